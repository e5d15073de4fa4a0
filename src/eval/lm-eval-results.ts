import { askedInstrument, formatSuffix, type AnyEvalRecord, type Interval } from './eval-record.ts';

/**
 * An eval record in lm-evaluation-harness's results JSON layout, so tools that read that harness's
 * output read cultune's: the layout of v0.4 (lm_eval/evaluator.py `simple_evaluate`, saved by
 * lm_eval/loggers/evaluation_tracker.py as results_<date>.json; `n-samples` since v0.4.3).
 * `results[task]["<metric>,<filter>"]` holds a value and `"<metric>_stderr,<filter>"` its standard
 * error, "N/A" where there is none, as the harness writes it. cultune applies no filter: "none".
 */
export interface LmEvalResults {
  results: Record<string, Record<string, string | number | null>>;
  configs: Record<string, LmEvalTaskConfig>;
  versions: Record<string, string>;
  'n-shot': Record<string, number>;
  higher_is_better: Record<string, Record<string, boolean | null>>;
  'n-samples': Record<string, { original: number; effective: number }>;
  config: Record<string, string | number | null>;
  date: number;
  model_name: string;
}

interface LmEvalTaskConfig {
  task: string;
  dataset_path: string;
  output_type: 'multiple_choice';
  num_fewshot: 0;
  metric_list: { metric: string; aggregation: 'mean'; higher_is_better: boolean | null }[];
  metadata: { version: string; condition: string; country: string };
}

/** One task's metrics as cultune names them, each with its bootstrap interval, and what was resampled. */
interface TaskMetrics {
  task: string;
  dataset: string;
  metrics: { name: string; interval: Interval; higherIsBetter: boolean | null }[];
  /** What the intervals resample (questions, respondents); null for an instrument without a per-unit breakdown. */
  units: number | null;
}

/** The harness's "no stderr" marker. */
const NOT_AVAILABLE = 'N/A';
/** The normal quantile of a 95 % two-sided interval. */
const Z_95 = 1.959963984540054;

/**
 * The standard error a percentile bootstrap interval implies, its width over 2 × 1.96 (the normal
 * approximation, Efron & Tibshirani 1993, §12.5): what the harness's stderr means, from the
 * interval the record holds, so this file is derived from the record alone.
 */
export function stderrFromInterval(interval: Interval): number | typeof NOT_AVAILABLE {
  const [low, high] = interval.ci95;
  return low === null || high === null ? NOT_AVAILABLE : (high - low) / (2 * Z_95);
}

/** `cultune_<instrument>`, `culturalbench_easy`, `culturalbench_hard`: the task names the file uses. */
export function instrumentTaskName(instrument: string): string {
  return `cultune_${instrument}`;
}

function tasksOf(record: AnyEvalRecord): TaskMetrics[] {
  const tasks: TaskMetrics[] = [];
  if (askedInstrument(record)) {
    const { intervals, result } = record;
    // An instrument without a per-unit breakdown has no interval: its values stand without stderr.
    const bare = (value: number): Interval => ({ value, ci95: [null, null] });
    tasks.push({
      task: instrumentTaskName(record.instrument.name),
      dataset: record.instrument.name,
      metrics: [
        { name: 'loss', interval: intervals?.loss ?? bare(result.loss.value), higherIsBetter: false },
        ...Object.entries(result.scores).map(([name, value]) => ({ name, interval: intervals?.scores[name] ?? bare(value), higherIsBetter: null })),
      ],
      units: intervals?.units ?? null,
    });
  }
  const cb = record.culturalbench;
  if (cb.available) {
    tasks.push(
      {
        task: 'culturalbench_easy',
        dataset: 'kellycyy/CulturalBench (CulturalBench-Easy)',
        metrics: [
          { name: 'mean', interval: cb.easy.mean, higherIsBetter: true },
          { name: 'strict', interval: cb.easy.strict, higherIsBetter: true },
        ],
        units: cb.questions.easy,
      },
      { task: 'culturalbench_hard', dataset: 'kellycyy/CulturalBench (CulturalBench-Hard)', metrics: [{ name: 'accuracy', interval: cb.hard, higherIsBetter: true }], units: cb.questions.hard },
    );
  }
  return tasks;
}

/** The record's tasks in the harness's layout; the condition and country go into each task's metadata and the model arguments. */
export function lmEvalResults(record: AnyEvalRecord): LmEvalResults {
  const tasks = tasksOf(record);
  const perTask = <T>(value: (t: TaskMetrics) => T): Record<string, T> => Object.fromEntries(tasks.map((t) => [t.task, value(t)]));
  const limit = record.culturalbench.available ? record.culturalbench.limit : null;
  return {
    results: perTask((t) => ({
      alias: t.task,
      ...Object.fromEntries(t.metrics.flatMap((m) => [[`${m.name},none`, m.interval.value], [`${m.name}_stderr,none`, stderrFromInterval(m.interval)]])),
    })),
    configs: perTask((t) => ({
      task: t.task,
      dataset_path: t.dataset,
      output_type: 'multiple_choice' as const,
      num_fewshot: 0 as const,
      metric_list: t.metrics.map((m) => ({ metric: m.name, aggregation: 'mean' as const, higher_is_better: m.higherIsBetter })),
      metadata: { version: record.cultune, condition: record.condition, country: record.country.name },
    })),
    versions: perTask(() => record.cultune),
    'n-shot': perTask(() => 0),
    higher_is_better: perTask((t) => Object.fromEntries(t.metrics.map((m) => [m.name, m.higherIsBetter]))),
    // The units asked (questions, or the instrument's respondents): the record does not hold the count before --limit.
    'n-samples': Object.fromEntries(tasks.flatMap((t) => (t.units === null ? [] : [[t.task, { original: t.units, effective: t.units }]]))),
    config: {
      model: 'cultune',
      model_args: `pretrained=${record.model.dir},condition=${record.condition},placement=${record.settings.placement}${record.run === null ? '' : `,run=${record.run}`}`,
      batch_size: null,
      device: null,
      limit,
      bootstrap_iters: record.settings.bootstrap,
      random_seed: record.settings.seed,
    },
    date: Date.parse(record.createdAt) / 1000,
    model_name: record.model.dir,
  };
}

/** `results-<condition>.json` beside `eval-<condition>.json` (and `-<format>` where the eval file has it). */
export function resultsFileName(record: AnyEvalRecord): string {
  return `results-${record.condition}${formatSuffix(record.instrument.format)}.json`;
}
