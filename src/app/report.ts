import { writeReport } from '../report/write-report.ts';
import { VERSION } from '../util/version.ts';

/** The report of run folders (Markdown, CSV, JSON, HTML) in `outDir`: what `report` and `demo` write. */
export function reportRuns(folders: readonly string[], outDir: string): ReturnType<typeof writeReport> {
  return writeReport(folders, outDir, VERSION);
}
