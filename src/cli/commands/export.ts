import path from 'node:path';
import { Option, type Command } from 'commander';
import { exportRun, type ExportFormat } from '../../train/export.ts';
import { integerAtLeast, nonEmptyPath } from '../parsers.ts';

export function register(program: Command): void {
  program
    .command('export')
    .description("Write a run's best soft prompt as PEFT safetensors, .npy or JSON, with metadata")
    .argument('<run>', 'run folder (written by cultune train)')
    .addOption(new Option('--format <format>', 'output format').choices(['peft', 'npy', 'json']).default('peft'))
    .addOption(new Option('--dtype <dtype>', 'tensor precision').choices(['f32', 'f16']).default('f32'))
    .option('--out <dir>', 'output folder (default: RUN/export-FORMAT)', nonEmptyPath)
    .addOption(new Option('--front <n>', 'multi-objective runs: member n of the front (default: the knee, as chosen in training)').argParser(integerAtLeast(0)))
    .option('--base-model <id>', "the Hub id PEFT's base_model_name_or_path names (default: the id the model was downloaded by)")
    .action((run: string, flags: { format: ExportFormat; dtype: 'f32' | 'f16'; out?: string; front?: number; baseModel?: string }) => {
      const out = flags.out ?? path.join(run, `export-${flags.format}`);
      const { files, notices } = exportRun(run, flags.format, out, { dtype: flags.dtype === 'f16' ? 'F16' : 'F32', frontIndex: flags.front, baseModel: flags.baseModel });
      for (const notice of notices) process.stderr.write(`cultune: ${notice}\n`);
      for (const file of files) process.stdout.write(`${file}\n`);
    });
}
