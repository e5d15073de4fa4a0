import { describeFormat } from '../instruments/index.ts';
import { pairedComparison, type PairedComparison } from '../stats/paired.ts';
import { UserError } from '../util/errors.ts';
import { evalFilesIn, readEvalRecord, type EvalRecord } from './eval-record.ts';
import { isBuiltIn, recordConditions, type EvalCondition } from './conditions.ts';
import { unitLoss, unitStrata } from './unit-statistics.ts';

/**
 * The comparisons a report makes, first condition minus second: does the prompt beat each baseline,
 * does the persona beat none; does DISCA beat none and persona, the prompt beat DISCA, and DISCA on
 * top of the prompt beat the prompt alone and DISCA alone; does a programmed instruction beat none and
 * the persona, the prompt beat it, and the instruction on top of the prompt beat either alone.
 */
const BUILT_IN_PAIRS: readonly (readonly [EvalCondition, EvalCondition])[] = [
  ['soft', 'none'],
  ['soft', 'persona'],
  ['persona', 'none'],
  ['disca', 'none'],
  ['disca', 'persona'],
  ['soft', 'disca'],
  ['soft+disca', 'soft'],
  ['soft+disca', 'disca'],
  ['programmed', 'none'],
  ['programmed', 'persona'],
  ['soft', 'programmed'],
  ['programmed+soft', 'soft'],
  ['programmed+soft', 'programmed'],
];

/** The pairs compared: the built-in ones, and each registered condition against none and persona. */
export function conditionPairs(): readonly (readonly [EvalCondition, EvalCondition])[] {
  const registered = recordConditions().filter((c) => !isBuiltIn(c));
  return [...BUILT_IN_PAIRS, ...registered.flatMap((c) => [[c, 'none'] as const, [c, 'persona'] as const])];
}

/** One paired test of two conditions' losses on the same units, or why there is none. */
export interface ConditionComparison {
  country: string;
  instrument: string;
  format: string;
  a: EvalCondition;
  b: EvalCondition;
  /** "question" or "respondent": what was resampled and exchanged. */
  unit: string | null;
  /** loss(a) - loss(b) (negative: a is closer to the target), its 95 % interval and p; null with `missing`. */
  test: PairedComparison | null;
  missing?: string;
}

/** Why two eval records cannot be compared unit by unit; undefined when they can. */
function unpairable(a: EvalRecord, b: EvalRecord): string | undefined {
  if (!a.result.units || !b.result.units) return 'intervals missing: an eval file was written before per-unit values were recorded (run cultune eval again)';
  if (JSON.stringify(a.instrument) !== JSON.stringify(b.instrument)) return 'the two were evaluated with different instrument settings';
  const ids = (r: EvalRecord) => r.result.units!.values.map((u) => `${u.id}/${u.weight}/${u.stratum ?? ''}`).join('\n');
  if (ids(a) !== ids(b)) return 'the two were evaluated on different questions or respondents';
  if (a.result.units.values.length < 2) return `one ${a.result.units.unit} only: nothing to resample`;
  return undefined;
}

/**
 * Condition a against condition b of the same country and instrument: the paired bootstrap interval
 * and the permutation p of their loss difference over shared units (src/stats/paired.ts), seeded with
 * a's seed and resamples so `eval` and `report` give the same numbers.
 */
export function compareConditions(a: EvalRecord, b: EvalRecord, permutations?: number): ConditionComparison {
  const head = { country: a.country.name, instrument: a.result.instrument, format: describeFormat(a.instrument.format), a: a.condition, b: b.condition };
  const missing = unpairable(a, b);
  const lossOf = unitLoss(a.instrument, a.result.target);
  if (missing !== undefined || !lossOf) return { ...head, unit: a.result.units?.unit ?? null, test: null, missing: missing ?? 'the instrument has no per-unit breakdown' };
  const test = pairedComparison(a.result.units!.values, b.result.units!.values, lossOf, {
    samples: a.settings.bootstrap,
    permutations,
    seed: a.settings.seed,
    key: `${head.instrument}:${a.condition}-${b.condition}`,
    strata: unitStrata(a.result.units!.values),
  });
  return { ...head, unit: a.result.units!.unit, test };
}

/** The pairs of conditionPairs() among records of one country, instrument and format (the first record per condition). */
export function comparisonsAmong(records: readonly EvalRecord[], permutations?: number): ConditionComparison[] {
  const first = new Map<EvalCondition, EvalRecord>();
  for (const r of records) if (!first.has(r.condition)) first.set(r.condition, r);
  return conditionPairs().flatMap(([a, b]) => {
    const [ra, rb] = [first.get(a), first.get(b)];
    return ra && rb ? [compareConditions(ra, rb, permutations)] : [];
  });
}

/**
 * The paired tests of a record just written against the other conditions' eval files in its folder
 * (same country, instrument and format), computed as `report` computes them. A damaged neighbour is
 * left out here: `report` names it.
 */
export function comparisonsInFolder(dir: string, record: EvalRecord): ConditionComparison[] {
  const format = describeFormat(record.instrument.format);
  const others = evalFilesIn(dir).flatMap((file) => {
    try {
      return [readEvalRecord(file)];
    } catch (error) {
      if (error instanceof UserError) return [];
      throw error;
    }
  });
  const comparable = others.filter(
    (r) => r.condition !== record.condition && r.country.name === record.country.name && r.result.instrument === record.result.instrument && describeFormat(r.instrument.format) === format,
  );
  return comparisonsAmong([record, ...comparable]).filter((c) => c.a === record.condition || c.b === record.condition);
}
