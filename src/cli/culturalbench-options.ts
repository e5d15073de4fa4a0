import type { Command } from 'commander';
import { integerAtLeast } from './parsers.ts';

/** How CulturalBench is sampled and its intervals drawn: the same flags for `culturalbench` and `eval`. */
export interface CulturalBenchSamplingFlags {
  limit?: number;
  seed: string;
  bootstrap: number;
}

export function addCulturalBenchSamplingOptions(command: Command): Command {
  return command
    .option('--limit <n>', 'at most n CulturalBench questions of Easy and of Hard (first in file order)', integerAtLeast(1))
    .option('--seed <seed>', 'seed of the bootstrap intervals', '0')
    .option('--bootstrap <n>', 'bootstrap resamples', integerAtLeast(1), 1000);
}
