import {
  datasetCountries,
  evaluateCulturalBench,
  matchCountry,
  questionsIn,
  selectQuestions,
  type QuestionSplit,
  summarise,
  type Availability,
  type Condition,
  type CulturalBenchSample,
} from '../culturalbench/index.ts';
import type { Estimate } from '../stats/bootstrap.ts';
import { demonstrations, prepareObjective, storedInstrument, type Conditioning, type StoredInstrument, type HoldoutSplit, type InstrumentSample, type InstrumentSpec, type SplitSide } from '../instruments/index.ts';
import type { Placement, Scorer, SoftPrompt } from '../model/types.ts';
import type { Target } from '../targets/index.ts';
import { instrumentIntervals } from './unit-statistics.ts';
import { type CulturalBenchOnlyRecord, type CulturalBenchOutcome, type EvalRecord, type Interval, type ProgramSettings } from './eval-record.ts';
import { conditionParts, isDiscaCondition, usesProgram, usesSoftPrompt, type EvalCondition } from './conditions.ts';
import { discaResult } from './evaluate-disca.ts';
import { CULTURALBENCH_TASK, type EvalTask, type TaskContext, type TaskOutcome } from './tasks.ts';
import type { DiscaPlan } from '../instruments/multitp/disca/index.ts';

export interface EvaluationPlan {
  condition: EvalCondition;
  instrument: InstrumentSpec;
  target: Target;
  /** Required for the soft and soft+disca conditions. */
  softPrompt?: SoftPrompt;
  /** Required for the disca and soft+disca conditions: the country's panel and the steering's parameters. */
  disca?: DiscaPlan;
  /** Required for the programmed conditions: the program's instruction and what it cost. */
  program?: ProgramSettings;
  placement: Placement;
  culturalBench: Availability;
  /** Registered tasks asked beside the instrument (eval --instruments <instrument>,<task>). */
  tasks?: readonly EvalTask[];
  limit?: number;
  /** Ask only the held-out half of this split (a multi-objective run's), so the number is on questions its search never saw. */
  heldOut?: QuestionSplit;
  /** The run's held-out split of the instrument: the result is on its held-out part, the in-sample figure on its training part. */
  holdout?: HoldoutSplit;
  seed: string;
  bootstrap: number;
  /** Receives every question as asked (`eval --log-samples`): the instrument's on its held-out part, CulturalBench's request by request. */
  samples?: SampleSink;
  onProgress?: (done: number, total: number, phase: string) => void;
}

export interface SampleSink {
  instrument(samples: InstrumentSample[]): void;
  culturalBench(sample: CulturalBenchSample): void;
}

function interval(estimate: Estimate): Interval {
  const finite = (v: number) => (Number.isFinite(v) ? v : null);
  return { value: finite(estimate.value), ci95: [finite(estimate.ci95[0]), finite(estimate.ci95[1])] };
}

const EMPTY: Interval = { value: null, ci95: [null, null] };

/** The sentence of a condition's text part: the persona sentence, or the program's instruction template. */
function textPart(plan: EvaluationPlan): { style: 'user'; template?: string } | undefined {
  const { text } = conditionParts(plan.condition);
  if (text === undefined) return undefined;
  return { style: 'user', ...(text === 'programmed' && { template: plan.program!.instruction }) };
}

/**
 * The condition's parts as the instrument asks them. The sentence goes at the start of the user turn
 * for the instrument and CulturalBench alike, so both halves of the trade-off see the same
 * conditioning; DISCA's conditions ask through their own path (evaluate-disca.ts).
 */
function instrumentConditioning(plan: EvaluationPlan): Conditioning {
  const text = textPart(plan);
  const { soft } = conditionParts(plan.condition);
  const demos = text?.template !== undefined && plan.program?.demos ? demonstrations(plan.instrument, plan.target, plan.program.demos) : [];
  return {
    ...(text && { text: { place: plan.target.country.personaName, ...text } }),
    ...(soft && { soft: { prompt: plan.softPrompt as SoftPrompt, placement: plan.placement } }),
    ...(demos.length > 0 && { demos }),
  };
}

function culturalBenchCondition(plan: EvaluationPlan): Condition {
  const text = textPart(plan);
  const { soft } = conditionParts(plan.condition);
  return { ...(text && { text }), ...(soft && { soft: { kind: 'single', label: 'run', prompt: plan.softPrompt as SoftPrompt } }) };
}

/** What every task is asked with under the plan's condition. */
function taskContext(plan: EvaluationPlan): TaskContext {
  return { target: plan.target, condition: culturalBenchCondition(plan), placement: plan.placement, seed: plan.seed, bootstrap: plan.bootstrap, limit: plan.limit, onProgress: plan.onProgress };
}

/** DISCA steers a two-option moral choice by its preferred group; a task's questions have none to steer toward. */
function discaRefusal(plan: EvaluationPlan, title: string): string | undefined {
  return isDiscaCondition(plan.condition) ? `${title} not asked under ${plan.condition}: DISCA steers MultiTP's forced choices only` : undefined;
}

/** CulturalBench as the plan has it (its data, a multi-objective run's held-out half, the sample log): the built-in task. */
function culturalBenchTask(plan: EvaluationPlan): EvalTask<CulturalBenchOutcome> {
  return {
    name: CULTURALBENCH_TASK,
    title: 'CulturalBench',
    ask: async (scorer, context) => {
      if (!plan.culturalBench.available) return { available: false, reason: plan.culturalBench.reason };
      const refused = discaRefusal(plan, 'CulturalBench');
      if (refused) return { available: false, reason: refused };
      const data = plan.culturalBench.data;
      const countries = datasetCountries(data);
      const country = [context.target.country.name, context.target.country.personaName.replace(/^the /i, '')]
        .map((n) => matchCountry(n, countries)).find((c) => c !== undefined);
      if (!country) return { available: false, reason: `CulturalBench has no questions about ${context.target.country.name}` };
      const { condition, limit } = context;
      const { heldOut } = plan;
      const selected = selectQuestions(data, condition, { country, limit: heldOut ? undefined : limit });
      const questions = heldOut
        ? { easy: questionsIn(selected.easy, heldOut, 'heldOut').slice(0, limit), hard: questionsIn(selected.hard, heldOut, 'heldOut').slice(0, limit) }
        : selected;
      const result = await evaluateCulturalBench(scorer, questions, {
        condition,
        datasetCountries: countries,
        placement: context.placement,
        onProgress: context.onProgress && ((done, total, phase) => context.onProgress?.(done, total, `CulturalBench ${phase}`)),
        onSample: plan.samples?.culturalBench,
      });
      const summary = summarise(result, { seed: context.seed, bootstrapSamples: context.bootstrap }).overall;
      return {
        available: true,
        country,
        questions: { easy: questions.easy.length, hard: questions.hard.length },
        ...(heldOut ? { split: 'held-out' as const } : {}),
        easy: summary.easy
          ? { mean: interval(summary.easy.letter.meanAccuracy), strict: interval(summary.easy.letter.strictAccuracy) }
          : { mean: EMPTY, strict: EMPTY },
        hard: summary.hard ? interval(summary.hard.accuracy) : EMPTY,
        limit: limit ?? null,
        setAside: [...data.setAside.filter((item) => item.country === country), ...result.setAside],
      };
    },
  };
}

/** The tasks' parts of a record: CulturalBench's outcome, and the registered tasks' where any was asked. */
async function taskOutcomes(scorer: Scorer, plan: EvaluationPlan): Promise<Pick<CulturalBenchOnlyRecord, 'culturalbench' | 'tasks'>> {
  const context = taskContext(plan);
  const culturalbench = await culturalBenchTask(plan).ask(scorer, context);
  if (!plan.tasks || plan.tasks.length === 0) return { culturalbench };
  const tasks: Record<string, TaskOutcome> = {};
  for (const task of plan.tasks) {
    const refused = discaRefusal(plan, task.title);
    tasks[task.name] = refused ? { available: false, reason: refused } : await task.ask(scorer, context);
  }
  return { culturalbench, tasks };
}

type EvalIdentity = { run: string | null; modelDir: string; version: string };

/** What every record starts with: who was evaluated, how, and the instrument's settings. */
function recordHead(scorer: Scorer & { hidden: number; dtype: string }, plan: EvaluationPlan, identity: EvalIdentity): Omit<CulturalBenchOnlyRecord, 'culturalbench'> {
  if (usesSoftPrompt(plan.condition) && !plan.softPrompt) throw new Error(`the ${plan.condition} condition needs a soft prompt`);
  if (isDiscaCondition(plan.condition) && !plan.disca) throw new Error(`the ${plan.condition} condition needs a DISCA panel`);
  if (usesProgram(plan.condition) && !plan.program) throw new Error(`the ${plan.condition} condition needs a program's instruction`);
  return {
    cultune: identity.version,
    createdAt: new Date().toISOString(),
    condition: plan.condition,
    run: identity.run,
    country: { name: plan.target.country.name, ...(plan.target.country.code ? { code: plan.target.country.code } : {}) },
    model: { dir: identity.modelDir, hidden: scorer.hidden, dtype: scorer.dtype },
    settings: { placement: plan.placement, seed: plan.seed, bootstrap: plan.bootstrap },
    instrument: storedInstrument(plan.instrument),
    ...(plan.disca && isDiscaCondition(plan.condition)
      ? { disca: { variant: plan.disca.parameters.variant, ablation: plan.disca.parameters.ablation, seed: plan.disca.seed, personas: plan.disca.panel, ...(plan.disca.panelFrom ? { panelFrom: plan.disca.panelFrom } : {}) } }
      : {}),
    ...(plan.program && usesProgram(plan.condition) ? { program: plan.program } : {}),
  };
}

/** The instrument against the target and CulturalBench on the target country's questions, under one condition. */
export async function evaluateCondition(scorer: Scorer & { hidden: number; dtype: string }, plan: EvaluationPlan, identity: EvalIdentity): Promise<EvalRecord> {
  const head = recordHead(scorer, plan, identity);
  return { ...head, ...(await instrumentOutcome(scorer, plan, head.instrument)), ...(await taskOutcomes(scorer, plan)) };
}

/** CulturalBench alone under one condition (`eval --instruments culturalbench`): the record without the instrument's part. */
export async function evaluateCulturalBenchOnly(scorer: Scorer & { hidden: number; dtype: string }, plan: EvaluationPlan, identity: EvalIdentity): Promise<CulturalBenchOnlyRecord> {
  return { ...recordHead(scorer, plan, identity), ...(await taskOutcomes(scorer, plan)) };
}

/** The instrument's part of a record: the result on the held-out part, the in-sample one on the training part, the intervals. */
async function instrumentOutcome(scorer: Scorer, plan: EvaluationPlan, instrument: StoredInstrument): Promise<Pick<EvalRecord, 'result' | 'holdout' | 'inSample' | 'intervals'>> {
  const { holdout } = plan;
  const evaluateOn = (side: SplitSide, onSamples?: SampleSink['instrument']) => {
    const part = holdout && { split: holdout, side };
    // DISCA scores its base and persona requests in one call and steers them (the survey's path).
    if (isDiscaCondition(plan.condition)) return discaResult(scorer, plan.instrument, plan.target, plan.disca!, { part, softPrompt: plan.softPrompt, placement: plan.placement });
    return prepareObjective(scorer, plan.instrument, plan.target, { conditioning: instrumentConditioning(plan), part })
      .evaluate(undefined, plan.onProgress && ((done, total) => plan.onProgress?.(done, total, plan.instrument.instrument.title)), onSamples);
  };
  // Every condition on both parts: none and persona saw neither, so the parts compare conditions fairly.
  const result = await evaluateOn('heldOut', plan.samples?.instrument);
  const inSample = holdout && (await evaluateOn('train'));
  const intervals = instrumentIntervals(instrument, result, plan.seed, plan.bootstrap);
  return { result, ...(holdout && { holdout, inSample }), ...(intervals ? { intervals } : {}) };
}
