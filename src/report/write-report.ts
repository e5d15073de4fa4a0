import path from 'node:path';
import { writeFilesAtomic } from '../util/atomic.ts';
import { collectReport, type ReportData } from './report-data.ts';
import { reportHtml } from './report-html.ts';
import { runHeaders } from './run-header.ts';
import { flatRow, reportCsv, reportMarkdown } from './report-tables.ts';
import { regimeSummaries, regimeTables } from './regime-table.ts';

/** report.json: the flat rows of report.csv, the rank agreement, the curves, and the eval records themselves. */
function reportJson(data: ReportData, version: string) {
  const regimes = [...regimeSummaries(data), ...regimeTables(data)];
  return {
    cultune: version,
    createdAt: new Date().toISOString(),
    rows: data.rows.map(flatRow),
    rankAgreement: data.rankAgreement,
    comparisons: data.comparisons,
    macroAverages: data.macroAverages,
    // Only where a programmed condition was evaluated, so other reports keep their bytes.
    ...(regimes.length > 0 && { regimes }),
    curves: data.curves,
    fronts: data.fronts,
    notes: data.notes,
    evals: data.rows.map((r) => ({ folder: r.folder, ...r.record })),
  };
}

export type ReportJson = ReturnType<typeof reportJson>;

/** Reads the folders (as `cultune report` does) and writes report.md, .csv, .json and .html into outDir. */
export function writeReport(folders: readonly string[], outDir: string, version: string): { data: ReportData; json: ReportJson; files: string[] } {
  const data = collectReport(folders);
  const json = reportJson(data, version);
  const contents: [string, string][] = [
    ['report.md', reportMarkdown(data)],
    ['report.csv', reportCsv(data)],
    ['report.json', `${JSON.stringify(json, null, 2)}\n`],
    ['report.html', reportHtml(data, { runs: runHeaders(data.folders), version })],
  ];
  const written = contents.map(([name, text]) => [path.join(outDir, name), text] as const);
  writeFilesAtomic(written);
  const files = written.map(([file]) => file);
  return { data, json, files };
}
