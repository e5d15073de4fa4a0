import path from 'node:path';
import { isRunFolder, readRunInfo, readTrainingState, type RunInfo } from '../train/run-files.ts';
import { displayPath } from '../util/display-path.ts';
import { evalFilesIn, readEvalRecord } from './eval-record.ts';

/** What a reader needs to know to reproduce or compare a folder in the report: one row of the header. */
export interface RunHeader {
  folder: string;
  country: string;
  /** The model as its Hub id, or its folder in display form (never an absolute path). */
  model: string;
  instrument: string;
  /** Soft-prompt length, evaluation budget and evaluations spent; null for a baseline folder without a run. */
  k: number | null;
  budget: number | null;
  evaluations: number | null;
  seed: string;
}

/** run.json's model record; runs downloaded from the Hub also name their id and revision. */
type RunModel = RunInfo['model'] & { hubId?: string; revision?: string };

/** The instrument a run was trained on: VSM 2013 for runs that do not name one. */
function instrumentOf(run: RunInfo): string {
  const named = (run.settings as { instrument?: unknown }).instrument;
  return typeof named === 'string' ? named : 'vsm13';
}

/**
 * A model folder as the header shows it: the Hub id (with its revision unless it is `main`); else the
 * folder relative to the working folder or home; else, for a folder elsewhere, its last two parts.
 */
export function modelDisplayName(model: { dir: string; hubId?: string; revision?: string }): string {
  if (model.hubId) return model.revision && model.revision !== 'main' ? `${model.hubId}@${model.revision}` : model.hubId;
  const shown = displayPath(model.dir);
  if (!path.isAbsolute(shown)) return shown;
  return `…/${path.basename(path.dirname(shown))}/${path.basename(shown)}`;
}

/** One header row per folder given to `cultune report`: a run folder from run.json, a baseline folder from its first eval file. */
export function runHeaders(folders: readonly string[]): RunHeader[] {
  return folders.flatMap((dir): RunHeader[] => {
    const folder = path.basename(path.resolve(dir));
    if (isRunFolder(dir)) {
      const run = readRunInfo(dir);
      const history = readTrainingState(dir)?.history ?? [];
      return [
        {
          folder,
          country: run.country.name,
          model: modelDisplayName(run.model as RunModel),
          instrument: instrumentOf(run),
          k: run.settings.k,
          budget: run.settings.budget,
          evaluations: history.at(-1)?.evaluations ?? 0,
          seed: String(run.settings.seed),
        },
      ];
    }
    const [first] = evalFilesIn(dir);
    if (first === undefined) return [];
    const record = readEvalRecord(first);
    return [
      { folder, country: record.country.name, model: modelDisplayName(record.model), instrument: 'vsm13', k: null, budget: null, evaluations: null, seed: record.settings.seed },
    ];
  });
}
