import fs from 'node:fs';
import path from 'node:path';
import { DifferentialEvolution, type DESnapshot, type Strategy } from '../de/index.ts';
import { CANDIDATES_PER_GROUP, type LoadedModel } from '../model/index.ts';
import { encodeSoftPromptJson } from '../embedding/index.ts';
import { instrumentFromStored, prepareObjective } from '../instruments/index.ts';
import { removeCreatedFolders, writeFileAtomic, writeJsonAtomic } from '../util/atomic.ts';
import { UserError } from '../util/errors.ts';
import { checkTrainSettingsForModel } from './check-settings.ts';
import { acquireLock } from './lock.ts';
import { buildSearchSpace } from './search-space.ts';
import {
  CHECKPOINT_FILE, PROMPT_FILE, RESULT_FILE, RUN_FILE, readRunJson,
  type BestCandidate, type Checkpoint, type GenerationRecord, type RunInfo, type RunResult,
} from './run-files.ts';


export interface TrainCallbacks {
  /** After each generation's checkpoint is on disk. */
  onGeneration?: (record: GenerationRecord, checkpoint: Checkpoint) => void;
  /** Polled between scoring passes; true stops the run (the last checkpoint stays, `--resume` continues). */
  interrupted?: () => boolean;
}

export class TrainingInterrupted extends Error {
  constructor(readonly generation: number) {
    super(`interrupted; the run is saved at generation ${generation}`);
  }
}

/** A checkpoint's optimiser with run.json's budget, which --extend-budget may have raised since. */
function withBudget(snapshot: DESnapshot | undefined, budget: number): unknown {
  const params = snapshot?.params;
  return params ? { ...snapshot, params: { ...params, stop: { ...params.stop, maxEvaluations: budget } } } : snapshot;
}

function median(values: number[]): number {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Runs (or resumes) differential evolution on the run's instrument loss. Every generation ends with an atomic
 * checkpoint: the optimiser's full state, generator included, so a run killed at any moment and
 * resumed ends exactly where an uninterrupted run with the same seed ends.
 */
export async function train(runDir: string, info: RunInfo, model: LoadedModel, callbacks: TrainCallbacks = {}): Promise<RunResult> {
  // Whatever depends on the settings and the model fails here, before the run folder is touched.
  if (info.model.sourceHash !== model.sourceHash) {
    throw new UserError(`the run was trained on another model (graph hash ${info.model.sourceHash.slice(0, 12)}); pass the same --model`);
  }
  const { search, softPrompt, target } = info;
  const spec = instrumentFromStored(info.instrument);
  const objective = prepareObjective(model, spec, target, { placement: softPrompt.placement });
  checkTrainSettingsForModel(softPrompt, search, { hidden: model.hidden, maxPositions: model.config.maxPositions }, objective.prepared.requests, spec.instrument.title);
  const initText = softPrompt.initText === undefined ? [] : model.tokenizer.encode(softPrompt.initText, { addSpecialTokens: false });
  const space = buildSearchSpace(model.embeddingTable, softPrompt, search, initText);
  return inRunFolder(runDir, async () => {
    const previous = readRunJson<RunInfo>(runDir, RUN_FILE);
    const saved = readRunJson<Checkpoint>(runDir, CHECKPOINT_FILE);
    // A run that never finished a generation starts again from nothing.
    if (!saved) fs.rmSync(path.join(runDir, PROMPT_FILE), { force: true });
    // A raised budget continues a finished run. result.json goes before run.json records the new
    // budget, so a kill in between leaves a run that resumes and finishes again, never a stale result.
    if (previous && search.budget > previous.search.budget) fs.rmSync(path.join(runDir, RESULT_FILE), { force: true });
    writeJsonAtomic(path.join(runDir, RUN_FILE), info);
    const finished = readRunJson<RunResult>(runDir, RESULT_FILE);
    if (finished) return finished;
    let de: DifferentialEvolution;
    try {
      de = saved
        ? DifferentialEvolution.fromJSON(withBudget(saved.de, search.budget))
        : new DifferentialEvolution({
            dim: space.dim,
            popSize: search.pop,
            seed: search.seed,
            strategy: search.strategy as Strategy,
            lower: space.lower,
            upper: space.upper,
            initialPopulation: space.initialPopulation,
            stop: { maxEvaluations: search.budget, maxGenerations: search.generations, stagnationGenerations: search.stagnation },
          });
    } catch (error) {
      if (error instanceof UserError) throw new UserError(saved ? `${path.join(runDir, CHECKPOINT_FILE)} is damaged: ${error.message}` : error.message);
      throw error;
    }
    const history: GenerationRecord[] = saved?.history ?? [];
    let best: BestCandidate | null = saved?.best ?? null;
    let elapsed = history.at(-1)?.seconds ?? 0;
    for (let reason = de.stopReason(); reason === null; reason = de.stopReason()) {
      const started = performance.now();
      const candidates = de.ask();
      const losses: number[] = [];
      let bestPrompt: Float32Array | undefined;
      // One group per session per pass: every device busy, and Ctrl-C (polled between passes)
      // answered within a fraction of a generation.
      const perPass = CANDIDATES_PER_GROUP * (model.sessions ?? 1);
      for (let first = 0; first < candidates.length; first += perPass) {
        if (callbacks.interrupted?.()) throw new TrainingInterrupted(de.generation);
        const prompts = candidates.slice(first, first + perPass).map((candidate) => space.toPrompt(candidate));
        const results = await objective.evaluateMany(prompts);
        results.forEach((result, i) => {
          losses.push(result.loss.value);
          if (Number.isFinite(result.loss.value) && (best === null || result.loss.value < best.loss.value)) {
            best = result;
            bestPrompt = prompts[i].data;
          }
        });
      }
      de.tell(losses);
      elapsed += (performance.now() - started) / 1000;
      const record = { generation: de.generation, evaluations: de.evaluations, bestLoss: best?.loss.value ?? NaN, medianLoss: median(losses), seconds: elapsed };
      history.push(record);
      // The prompt goes first: a kill between the two writes only repeats this generation on resume.
      if (bestPrompt) writeFileAtomic(path.join(runDir, PROMPT_FILE), encodeSoftPromptJson({ k: softPrompt.k, hidden: model.hidden, data: bestPrompt }));
      const checkpoint: Checkpoint = { generation: de.generation, evaluations: de.evaluations, history, best, de: de.toJSON() };
      writeJsonAtomic(path.join(runDir, CHECKPOINT_FILE), checkpoint);
      callbacks.onGeneration?.(record, checkpoint);
    }
    if (!best) throw new UserError('every candidate gave a non-finite loss; check the model and the target');
    const result: RunResult = { stopReason: de.stopReason()!, best, history };
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
