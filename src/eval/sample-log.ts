import path from 'node:path';
import type { CulturalBenchSample } from '../culturalbench/index.ts';
import type { FormatSetting, InstrumentSample } from '../instruments/index.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import type { SampleSink } from './evaluate-condition.ts';
import { formatSuffix } from './eval-record.ts';
import { type EvalCondition } from './conditions.ts';
import { instrumentTaskName } from './lm-eval-results.ts';

/**
 * `eval --log-samples`: every request as asked, one JSON line each, as lm-evaluation-harness's
 * `--log_samples` writes samples_<task>_<date>.jsonl. `doc_id` and `task` lead each line as there;
 * the rest is what cultune scored: the prompt as rendered, the options, their log-likelihoods (the
 * sum over each option's tokens), what was chosen and, where there is one, the right answer.
 */
export interface SampleLog {
  sink: SampleSink;
  /** Writes the collected lines (atomically) beside the eval file; returns the files written. */
  write(outDir: string): string[];
}

/** `samples-<condition>-<part>.jsonl`, with the eval file's `-<format>` for the instrument's part. */
export function samplesFileName(condition: EvalCondition, part: string, format?: FormatSetting): string {
  return `samples-${condition}-${part}${format ? formatSuffix(format) : ''}.jsonl`;
}

export function sampleLog(condition: EvalCondition, instrument: { name: string; format?: FormatSetting }): SampleLog {
  const instrumentLines: string[] = [];
  const culturalBenchLines: string[] = [];
  const line = (value: object) => JSON.stringify(value);
  return {
    sink: {
      instrument: (samples: InstrumentSample[]) => {
        samples.forEach((sample, i) => instrumentLines.push(line({ doc_id: i, task: instrumentTaskName(instrument.name), ...sample })));
      },
      culturalBench: (sample: CulturalBenchSample) => {
        culturalBenchLines.push(line({ doc_id: sample.questionId, task: `culturalbench_${sample.set}`, ...sample }));
      },
    },
    write: (outDir) => {
      const files: [string, string[]][] = [
        [samplesFileName(condition, instrument.name, instrument.format), instrumentLines],
        [samplesFileName(condition, 'culturalbench'), culturalBenchLines],
      ];
      return files.flatMap(([name, lines]) => {
        if (lines.length === 0) return [];
        const file = path.join(outDir, name);
        writeFileAtomic(file, `${lines.join('\n')}\n`);
        return [file];
      });
    },
  };
}
