import type { Command } from 'commander';
import { reportRuns } from '../../app/report.ts';
import { nonEmptyPath } from '../parsers.ts';

/** "1 folder", "3 folders". */
function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

export function register(program: Command): void {
  program
    .command('report')
    .description('Tables (report.md, report.csv, report.json) and one self-contained HTML page with SVG charts from run folders and their eval-*.json files')
    .argument('<runs...>', 'run folders (cultune train) or folders written by cultune eval --out')
    .requiredOption('--out <dir>', 'folder for report.md, report.csv, report.json and report.html', nonEmptyPath)
    .option('--json', 'print report.json instead of the list of files')
    .action((runs: string[], flags: { out: string; json?: boolean }) => {
      const { data, json, files } = reportRuns(runs, flags.out);
      if (flags.json) process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
      else {
        process.stdout.write(`${count(data.rows.length, 'result')} from ${count(data.folders.length, 'folder')}; wrote ${files.join(', ')}\n`);
        for (const note of data.notes) process.stdout.write(`note: ${note}\n`);
      }
    });
}
