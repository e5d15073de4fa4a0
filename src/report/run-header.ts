import path from 'node:path';
import { isRunFolder, readRunInfo, readTrainingState, type RunInfo } from '../train/run-files.ts';
import { displayPath } from '../util/display-path.ts';
import { evalFilesIn, readEvalFile } from '../eval/eval-record.ts';
import type { StoredInstrument } from '../instruments/index.ts';
import { VSM13, describeConstants, type Vsm13Settings } from '../instruments/vsm13/index.ts';

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
  /** The scale the losses are on: VSM 2013's constants C and how they were fitted; '-' for other instruments. */
  scale: string;
}

/**
 * The scale of a folder's VSM 2013 losses, as its run.json or eval record stores it. Runs stored before
 * the constants were recorded read as zero (the raw scale they were trained on), and the header says so.
 */
export function scaleDisplay(instrument: StoredInstrument): string {
  if (instrument.name !== VSM13.name) return '-';
  const { constants } = instrument.settings as Partial<Vsm13Settings>;
  return constants === undefined ? 'zero (not recorded: raw VSM 2013 scale)' : describeConstants(constants);
}

/** run.json's model record; runs downloaded from the Hub also name their id and revision. */
type RunModel = RunInfo['model'] & { hubId?: string; revision?: string };

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
          instrument: run.instrument.name,
          k: run.softPrompt.k,
          budget: run.search.budget,
          evaluations: history.at(-1)?.evaluations ?? 0,
          seed: String(run.search.seed),
          scale: scaleDisplay(run.instrument),
        },
      ];
    }
    const [first] = evalFilesIn(dir);
    if (first === undefined) return [];
    const record = readEvalFile(first);
    return [
      { folder, country: record.country.name, model: modelDisplayName(record.model), instrument: record.instrument.name, k: null, budget: null, evaluations: null, seed: record.settings.seed, scale: scaleDisplay(record.instrument) },
    ];
  });
}
