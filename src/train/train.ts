import path from 'node:path';
import { DifferentialEvolution, type Strategy } from '../de/index.ts';
import type { LlamaModel } from '../model/index.ts';
import { encodeSoftPromptJson } from '../embedding/index.ts';
import { prepareVsm13Objective, targetValues } from '../vsm13/index.ts';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic.ts';
import { UserError } from '../util/errors.ts';
import { acquireLock } from './lock.ts';
import { buildSearchSpace } from './search-space.ts';
import {
  CHECKPOINT_FILE, PROMPT_FILE, RESULT_FILE, RUN_FILE, readRunJson,
  type BestCandidate, type Checkpoint, type GenerationRecord, type RunInfo, type RunResult,
} from './run-files.ts';

/**
 * Candidates scored together in one pass: enough to fill the small batches near the prefix tree's
 * roots, few enough that Ctrl-C (polled between passes) answers within a fraction of a generation.
 */
const CANDIDATES_PER_PASS = 8;

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

function median(values: number[]): number {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Runs (or resumes) differential evolution on the VSM13 loss. Every generation ends with an atomic
 * checkpoint: the optimiser's full state, generator included, so a run killed at any moment and
 * resumed ends exactly where an uninterrupted run with the same seed ends.
 */
export async function train(runDir: string, info: RunInfo, model: LlamaModel, callbacks: TrainCallbacks = {}): Promise<RunResult> {
  const release = acquireLock(runDir);
  try {
    const existing = readRunJson<RunInfo>(runDir, RUN_FILE);
    if (!existing) writeJsonAtomic(path.join(runDir, RUN_FILE), info);
    const finished = readRunJson<RunResult>(runDir, RESULT_FILE);
    if (finished) return finished;
    if (info.model.sourceHash !== model.sourceHash) {
      throw new UserError(`the run was trained on another model (graph hash ${info.model.sourceHash.slice(0, 12)}); pass the same --model`);
    }
    const { settings, target } = info;
    const objective = prepareVsm13Objective(model, targetValues(target), { variants: settings.variants, placement: settings.placement });
    const initText = model.tokenizer.encode(`You are a person from ${target.country.personaName}.`, { addSpecialTokens: false });
    const space = buildSearchSpace(model.embeddingTable, settings, settings.pop, initText);
    const saved = readRunJson<Checkpoint>(runDir, CHECKPOINT_FILE);
    let de: DifferentialEvolution;
    try {
      de = saved
        ? DifferentialEvolution.fromJSON(saved.de)
        : new DifferentialEvolution({
            dim: space.dim,
            popSize: settings.pop,
            seed: settings.seed,
            strategy: settings.strategy as Strategy,
            lower: space.lower,
            upper: space.upper,
            initialPopulation: space.initialPopulation,
            stop: { maxEvaluations: settings.budget, maxGenerations: settings.generations, stagnationGenerations: settings.stagnation },
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
      for (let first = 0; first < candidates.length; first += CANDIDATES_PER_PASS) {
        if (callbacks.interrupted?.()) throw new TrainingInterrupted(de.generation);
        const prompts = candidates.slice(first, first + CANDIDATES_PER_PASS).map((candidate) => space.toPrompt(candidate));
        const results = await objective.evaluateMany(prompts);
        results.forEach((result, i) => {
          losses.push(result.loss);
          if (Number.isFinite(result.loss) && (best === null || result.loss < best.loss)) {
            best = { loss: result.loss, breakdown: result.breakdown, scores: result.scores };
            bestPrompt = prompts[i].data;
          }
        });
      }
      de.tell(losses);
      elapsed += (performance.now() - started) / 1000;
      const record = { generation: de.generation, evaluations: de.evaluations, bestLoss: best?.loss ?? NaN, medianLoss: median(losses), seconds: elapsed };
      history.push(record);
      // The prompt goes first: a kill between the two writes only repeats this generation on resume.
      if (bestPrompt) writeFileAtomic(path.join(runDir, PROMPT_FILE), encodeSoftPromptJson({ k: settings.k, hidden: model.hidden, data: bestPrompt }));
      const checkpoint: Checkpoint = { generation: de.generation, evaluations: de.evaluations, history, best, de: de.toJSON() };
      writeJsonAtomic(path.join(runDir, CHECKPOINT_FILE), checkpoint);
      callbacks.onGeneration?.(record, checkpoint);
    }
    if (!best) throw new UserError('every candidate gave a non-finite loss; check the model and the target');
    const result: RunResult = { stopReason: de.stopReason()!, best, history };
    writeJsonAtomic(path.join(runDir, RESULT_FILE), result);
    return result;
  } finally {
    release();
  }
}
