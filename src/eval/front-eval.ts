import path from 'node:path';
import { decodeSoftPromptJson } from '../embedding/index.ts';
import { instrumentFromStored } from '../instruments/index.ts';
import { readSoftPromptFile } from '../model/index.ts';
import type { Scorer, SoftPrompt } from '../model/types.ts';
import { PROMPT_FILE, readFront, readRunInfo } from '../train/run-files.ts';
import { writeJsonAtomic } from '../util/atomic.ts';
import { UserError } from '../util/errors.ts';
import { evaluateCondition, type EvaluationPlan } from './evaluate-condition.ts';
import type { Interval } from './eval-record.ts';
import type { EvalCondition } from './conditions.ts';
import type { EvalOptions } from './evaluate-run.ts';

export const FRONT_EVAL_FILE = 'front-eval.json';

/** One point of the trade-off: a front member, or a prompt it is compared with, on the run's instrument and held-out questions. */
export interface FrontEvalPoint {
  kind: 'front' | 'none' | 'persona' | 'single';
  label: string;
  /** Front members: their index in front.json, whether the choice rule picked them, their training objectives. */
  index?: number;
  chosen?: boolean;
  trainObjectives?: number[];
  /** Single-objective comparisons: the run folder's name. */
  run?: string;
  /** The instrument's loss: on the held-out part of the run's split, or on everything for a run without one. */
  loss: number;
  /** A run with a split: the loss on its training part, what the search saw (a member's trainObjectives[0]). */
  inSampleLoss?: number;
  /** CulturalBench Easy on the held-out questions: mean over rotations, and strict. */
  heldOut: Interval;
  heldOutStrict: Interval;
}

/** front-eval.json: every member of a multi-objective run's front and the comparisons, on questions the search never saw. */
export interface FrontEvalRecord {
  cultune: string;
  createdAt: string;
  run: string;
  country: string;
  instrument: string;
  heldOutQuestions: number;
  settings: { seed: string; bootstrap: number };
  points: FrontEvalPoint[];
}

/**
 * Evaluates a multi-objective run's front (what `cultune eval RUN --front` does): each member, the none
 * and persona baselines and any single-objective runs given in `compare`, all on the run's instrument
 * and on the held-out half of its CulturalBench split; writes front-eval.json atomically.
 */
export async function evaluateFront(
  model: Scorer & { hidden: number; dtype: string },
  runDir: string,
  options: EvalOptions & { compare?: readonly string[] },
): Promise<{ record: FrontEvalRecord; file: string }> {
  const info = readRunInfo(runDir);
  const front = readFront(runDir);
  if (!info.objectives || !front) throw new UserError(`${runDir} is not a multi-objective run with a front (train it with --objectives)`);
  if (!options.culturalBench.available) throw new UserError(`${options.culturalBench.reason}; the front is evaluated on held-out CulturalBench questions`);
  const compared = (options.compare ?? []).map((dir) => {
    const other = readRunInfo(dir);
    if (other.objectives) throw new UserError(`${dir} is a multi-objective run; --compare takes single-objective runs`);
    return { dir, prompt: readSoftPromptFile(path.join(dir, PROMPT_FILE), model.hidden) };
  });
  const instrument = instrumentFromStored(info.instrument);
  const plan = (condition: EvalCondition, softPrompt?: SoftPrompt): EvaluationPlan => ({
    condition,
    instrument,
    target: info.target,
    softPrompt,
    placement: info.softPrompt.placement,
    culturalBench: options.culturalBench,
    heldOut: info.objectives!.split,
    holdout: info.holdout,
    seed: options.seed,
    bootstrap: options.bootstrap,
  });
  const jobs: { point: Omit<FrontEvalPoint, 'loss' | 'heldOut' | 'heldOutStrict'>; plan: EvaluationPlan }[] = [
    ...front.members.map((member, index) => ({
      point: { kind: 'front' as const, label: `#${index}`, index, chosen: index === front.chosen, trainObjectives: member.objectives },
      plan: plan('soft', decodeSoftPromptJson(JSON.stringify(member.prompt), model.hidden)),
    })),
    { point: { kind: 'none' as const, label: 'none' }, plan: plan('none') },
    { point: { kind: 'persona' as const, label: 'persona' }, plan: plan('persona') },
    ...compared.map(({ dir, prompt }) => {
      const name = path.basename(path.resolve(dir));
      return { point: { kind: 'single' as const, label: name, run: name }, plan: plan('soft', prompt) };
    }),
  ];
  const points: FrontEvalPoint[] = [];
  let heldOutQuestions = 0;
  for (const [n, job] of jobs.entries()) {
    const evaluated = await evaluateCondition(model, job.plan, { run: null, modelDir: info.model.dir, version: options.version });
    const cb = evaluated.culturalbench;
    if (!cb.available) throw new UserError(cb.reason);
    heldOutQuestions = cb.questions.easy;
    points.push({
      ...job.point,
      loss: evaluated.result.loss.value,
      ...(evaluated.inSample && { inSampleLoss: evaluated.inSample.loss.value }),
      heldOut: cb.easy.mean,
      heldOutStrict: cb.easy.strict,
    });
    options.onProgress?.(n + 1, jobs.length);
  }
  const record: FrontEvalRecord = {
    cultune: options.version,
    createdAt: new Date().toISOString(),
    run: path.basename(path.resolve(runDir)),
    country: info.target.country.name,
    instrument: info.instrument.name,
    heldOutQuestions,
    settings: { seed: options.seed, bootstrap: options.bootstrap },
    points,
  };
  const file = path.join(runDir, FRONT_EVAL_FILE);
  writeJsonAtomic(file, record);
  return { record, file };
}
