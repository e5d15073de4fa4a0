import path from 'node:path';
import type { Command } from 'commander';
import { collectReport, type ReportData } from '../../report/report-data.ts';
import { reportHtml } from '../../report/report-html.ts';
import { flatRow, reportCsv, reportMarkdown } from '../../report/report-tables.ts';
import { CULTUNE_VERSION } from '../../report/version.ts';
import { writeFileAtomic } from '../../util/atomic.ts';

/** report.json: the flat rows of report.csv, the rank agreement, the curves, and the eval records themselves. */
function reportJson(data: ReportData) {
  return {
    cultune: CULTUNE_VERSION,
    createdAt: new Date().toISOString(),
    rows: data.rows.map(flatRow),
    rankAgreement: data.rankAgreement,
    curves: data.curves,
    notes: data.notes,
    evals: data.rows.map((r) => ({ folder: r.folder, ...r.record })),
  };
}

export function register(program: Command): void {
  program
    .command('report')
    .description('Tables (report.md, report.csv, report.json) and one self-contained HTML page with SVG charts from run folders and their eval-*.json files')
    .argument('<runs...>', 'run folders (cultune train) or folders written by cultune eval --out')
    .requiredOption('--out <dir>', 'folder for report.md, report.csv, report.json and report.html')
    .option('--json', 'print report.json instead of the list of files')
    .action((runs: string[], flags: { out: string; json?: boolean }) => {
      const data = collectReport(runs);
      const json = reportJson(data);
      const files: [string, string][] = [
        ['report.md', reportMarkdown(data)],
        ['report.csv', reportCsv(data)],
        ['report.json', `${JSON.stringify(json, null, 2)}\n`],
        ['report.html', reportHtml(data)],
      ];
      for (const [name, text] of files) writeFileAtomic(path.join(flags.out, name), text);
      if (flags.json) process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
      else {
        process.stdout.write(`${data.rows.length} results from ${runs.length} folders; wrote ${files.map(([n]) => path.join(flags.out, n)).join(', ')}\n`);
        for (const note of data.notes) process.stdout.write(`note: ${note}\n`);
      }
    });
}
