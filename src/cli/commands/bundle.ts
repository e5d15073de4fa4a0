import type { Command } from 'commander';
import { writeBundle } from '../../bundle/bundle.ts';
import { displayPath } from '../../util/display-path.ts';
import { integerAtLeast, nonEmptyPath } from '../parsers.ts';

interface BundleFlags {
  out: string;
  cuda?: boolean;
  partMb: number;
  fast?: boolean;
}

export function register(program: Command): void {
  program
    .command('bundle')
    .description('Pack cultune for an offline Linux x86-64 machine: node, sources, production node_modules (and with --cuda the CUDA provider), in parts, with unpack.sh')
    .requiredOption('--out <dir>', 'new (or empty) folder for the parts, SHA256SUMS and unpack.sh', nonEmptyPath)
    .option('--cuda', 'carry onnxruntime-node 1.29.0 and its CUDA 13 provider (fetched from the npm registry now; ~180 MB more)')
    .option('--part-mb <n>', 'largest part in MB (for transfers with a size limit)', integerAtLeast(1), 50)
    .option('--fast', 'gzip -1 instead of xz -6: much quicker to make, about a third larger')
    .action(async (flags: BundleFlags) => {
      const started = performance.now();
      const say = (line: string) => process.stderr.write(`cultune: ${line}\n`);
      const result = await writeBundle({ out: flags.out, cuda: !!flags.cuda, partMb: flags.partMb, fast: !!flags.fast, say });
      const total = result.parts.reduce((sum, p) => sum + p.bytes, 0);
      const seconds = (performance.now() - started) / 1000;
      process.stdout.write(
        `${displayPath(result.out)}: ${result.parts.length} part(s), ${(total / 1e6).toFixed(1)} MB (${(result.unpackedBytes / 1e6).toFixed(0)} MB unpacked), made in ${seconds.toFixed(0)} s\n` +
          `on the offline machine: eval "$(sh ${displayPath(result.out)}/unpack.sh ${displayPath(result.out)} DEST)" && cultune doctor\n`,
      );
    });
}
