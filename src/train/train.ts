import fs from 'node:fs';
import path from 'node:path';
import { DifferentialEvolution, type Strategy, type StopReason } from '../de/index.ts';
import type { CulturalBenchData } from '../culturalbench/index.ts';
import type { LoadedModel } from '../model/index.ts';
import { encodeSoftPromptJson } from '../embedding/index.ts';
import { instrumentFromStored, prepareObjective, storedInstrument, type Objective } from '../instruments/index.ts';
import { calibratedSpec } from '../instruments/vsm13/calibration.ts';
import { removeCreatedFolders, writeFileAtomic, writeJsonAtomic } from '../util/atomic.ts';
import { UserError } from '../util/errors.ts';
import { checkTrainSettingsForModel } from './check-settings.ts';
import { acquireLock } from '../util/lock.ts';
import { initTokens } from './init-text.ts';
import { buildSearchSpace, searchedDim, type SearchSpace } from './search-space.ts';
import { searchFront } from './train-front.ts';
import { median, noFiniteObjectiveError, populationOptions, restoreOrCreate, runGenerations, type TrainCallbacks } from './train-loop.ts';
import {
  CHECKPOINT_FILE, PROMPT_FILE, RESULT_FILE, RUN_FILE, checkSameModel, checkStoredSizes, readRunJson,
  type BestCandidate, type Checkpoint, type GenerationRecord, type RunInfo, type RunResult,
} from './run-files.ts';


export { TrainingInterrupted, type TrainCallbacks } from './train-loop.ts';

type Search = { stopReason: StopReason; best: BestCandidate; history: GenerationRecord[] };

/**
 * Runs (or resumes) a training run: differential evolution on the run's instrument loss, or, for a run
 * with `objectives`, GDE3 on the instrument loss and CulturalBench together (train-front.ts; it needs
 * `culturalBench`). Every generation ends with an atomic checkpoint: the optimiser's full state,
 * generator included, so a run killed at any moment and resumed ends exactly where an uninterrupted
 * run with the same seed ends.
 */
/** What a run needs from the settings and the data besides its record: where VSM 2013's fitted constants are cached, CulturalBench for a multi-objective run. */
export interface TrainContext {
  calibrationCacheDir: string;
  culturalBench?: CulturalBenchData;
}

export async function train(runDir: string, asked: RunInfo, model: LoadedModel, context: TrainContext, callbacks: TrainCallbacks = {}): Promise<RunResult> {
  const { culturalBench } = context;
  // Whatever depends on the settings and the model fails here, before the run folder is touched.
  checkSameModel('the run', asked.model.sourceHash, model.sourceHash);
  checkStoredSizes(runDir, asked, { hidden: model.hidden, searched: searchedDim(asked.softPrompt.k, model.hidden, asked.search) });
  // Settings fitted to the model (VSM 2013's anchored constants) are fitted once, leaving out the run's
  // country, and stored in run.json: evaluation reads them from there, so training and eval share one C.
  const stored = instrumentFromStored(asked.instrument);
  const { search, softPrompt, target } = asked;
  // The search sees the training part of the run's held-out split only.
  const options = { placement: softPrompt.placement, part: asked.holdout && { split: asked.holdout, side: 'train' as const } };
  const asStored = prepareObjective(model, stored, target, options);
  // Checked before the constants are fitted: fitting asks the questions, and a prompt too long for the model fails there less clearly.
  checkTrainSettingsForModel(softPrompt, search, { hidden: model.hidden, maxPositions: model.config.maxPositions }, asStored.prepared, stored.instrument.title);
  const spec = await calibratedSpec(model, stored, asked.target.country, { cacheDir: context.calibrationCacheDir, say: callbacks.onNotice });
  const info: RunInfo = spec === stored ? asked : { ...asked, instrument: storedInstrument(spec) };
  const objective = spec === stored ? asStored : prepareObjective(model, spec, target, options);
  const init = softPrompt.initText === undefined ? undefined : initTokens(model.tokenizer, softPrompt.initText, softPrompt.k);
  const space = buildSearchSpace(model.embeddingTable, softPrompt, search, init?.ids ?? []);
  return inRunFolder(runDir, async () => {
    const previous = readRunJson<RunInfo>(runDir, RUN_FILE);
    const saved = readRunJson<Checkpoint>(runDir, CHECKPOINT_FILE);
    // A run that never finished a generation starts again from nothing.
    if (!saved) fs.rmSync(path.join(runDir, PROMPT_FILE), { force: true });
    if (!saved && init?.notice) callbacks.onNotice?.(init.notice);
    // A raised budget continues a finished run. result.json goes before run.json records the new
    // budget, so a kill in between leaves a run that resumes and finishes again, never a stale result.
    if (previous && search.budget > previous.search.budget) fs.rmSync(path.join(runDir, RESULT_FILE), { force: true });
    writeJsonAtomic(path.join(runDir, RUN_FILE), info);
    const finished = readRunJson<RunResult>(runDir, RESULT_FILE);
    if (finished) return finished;
    const { objectives } = info;
    const { stopReason, best, history } = objectives
      ? await searchFront(runDir, { ...info, objectives }, model, objective, space, culturalBench, callbacks)
      : await searchSingle(runDir, info, model, objective, space, callbacks);
    const result: RunResult = { stopReason, best, history };
    writeJsonAtomic(path.join(runDir, RESULT_FILE), result);
    return result;
  });
}

/**
 * Runs `work` holding the run folder's lock. When it fails before the first checkpoint, run.json and
 * prompt.json go again, and the folder if it was made for this run: a failed start leaves nothing that
 * blocks or confuses the next try. (A start killed with -9 leaves run.json alone, which the next
 * start overwrites: see runStage.)
 */
async function inRunFolder<T>(runDir: string, work: () => Promise<T>): Promise<T> {
  const lock = acquireLock(runDir);
  try {
    return await work();
  } catch (error) {
    if (!fs.existsSync(path.join(runDir, CHECKPOINT_FILE))) {
      for (const file of [RUN_FILE, PROMPT_FILE]) fs.rmSync(path.join(runDir, file), { force: true });
      lock.release();
      removeCreatedFolders(runDir, lock.createdFolder);
    }
    throw error;
  } finally {
    lock.release();
  }
}

/** DE on the instrument loss; prompt.json holds the best prompt so far. */
async function searchSingle(runDir: string, info: RunInfo, model: LoadedModel, objective: Objective, space: SearchSpace, callbacks: TrainCallbacks): Promise<Search> {
  const { search, softPrompt } = info;
  const saved = readRunJson<Checkpoint>(runDir, CHECKPOINT_FILE);
  const de = restoreOrCreate(runDir, saved, search.budget, (json) => DifferentialEvolution.fromJSON(json), () => new DifferentialEvolution({
    ...populationOptions(space, search),
    strategy: search.strategy as Strategy,
    stop: { maxEvaluations: search.budget, maxGenerations: search.generations, stagnationGenerations: search.stagnation },
  }));
  const history: GenerationRecord[] = saved?.history ?? [];
  let best: BestCandidate | null = saved?.best ?? null;
  let bestPrompt: Float32Array | undefined;
  let losses: number[] = [];
  const stopReason = await runGenerations<BestCandidate>(de, model, space, history, callbacks, {
    score: async (_, prompts) => {
      const results = await objective.evaluateMany(prompts);
      results.forEach((result, i) => {
        if (Number.isFinite(result.loss.value) && (best === null || result.loss.value < best.loss.value)) {
          best = result;
          bestPrompt = prompts[i].data;
        }
      });
      return results;
    },
    tell: (results) => {
      losses = results.map((result) => result.loss.value);
      de.tell(losses);
      if (best === null) throw noFiniteObjectiveError(de.generation, [{ name: `${info.instrument.name} loss`, values: losses }], results);
    },
    save: (seconds) => {
      const record = { generation: de.generation, evaluations: de.evaluations, bestLoss: best?.loss.value ?? NaN, medianLoss: median(losses), seconds };
      history.push(record);
      // The prompt goes first: a kill between the two writes only repeats this generation on resume.
      if (bestPrompt) writeFileAtomic(path.join(runDir, PROMPT_FILE), encodeSoftPromptJson({ k: softPrompt.k, hidden: model.hidden, data: bestPrompt }));
      bestPrompt = undefined;
      const checkpoint: Checkpoint = { generation: de.generation, evaluations: de.evaluations, history, best, de: de.toJSON() };
      writeJsonAtomic(path.join(runDir, CHECKPOINT_FILE), checkpoint);
      return { record, checkpoint };
    },
  });
  if (!best) throw new UserError('every candidate gave a non-finite loss; check the model and the target');
  return { stopReason, best, history };
}
