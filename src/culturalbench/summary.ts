import { estimate, mean, type Estimate } from '../stats/bootstrap.ts';
import type { EasyOutcome, EvaluationResult, HardOutcome } from './evaluate.ts';
import { groupBy } from './group-by.ts';
import { regionOf } from './regions.ts';
import { hardQuestionScore, scoreRotations } from './scoring.ts';

export interface EasyMethodSummary {
  questions: number;
  /** Accuracy averaged over the four rotations: immune to the data's letter bias. */
  meanAccuracy: Estimate;
  /** Share of questions right under every rotation. */
  strictAccuracy: Estimate;
  /** Accuracy with the options in the published order (rotation 0), for comparison with unrotated reports. */
  publishedOrderAccuracy: number;
}

export interface HardSummary {
  questions: number;
  /** Share of questions with all four statements judged right (the paper's rule). */
  accuracy: Estimate;
  /** Share of single statements judged right. */
  statementAccuracy: number;
}

export interface GroupSummary {
  questions: number;
  easy: { letter: EasyMethodSummary; loglikelihood: EasyMethodSummary } | null;
  hard: HardSummary | null;
}

export interface Breakdown {
  overall: GroupSummary;
  byRegion: Record<string, GroupSummary>;
  byCountry: Record<string, GroupSummary>;
}

/** Accuracy of questions about `country` asked with `conditioning`'s persona or prompt (the --cross matrix). */
export interface CrossCell {
  conditioning: string;
  country: string;
  questions: number;
  easyLetterMean: number;
  easyLoglikelihoodMean: number;
  hardAccuracy: number;
}

export interface SummaryOptions {
  seed: string | number;
  bootstrapSamples?: number;
}

function summariseEasyMethod(rotations: boolean[][], key: string, options: SummaryOptions): EasyMethodSummary {
  const scores = rotations.map(scoreRotations);
  return {
    questions: rotations.length,
    meanAccuracy: estimate(scores.map((s) => s.mean), options.seed, `${key}:mean`, options.bootstrapSamples),
    strictAccuracy: estimate(scores.map((s) => s.strict), options.seed, `${key}:strict`, options.bootstrapSamples),
    publishedOrderAccuracy: mean(rotations.map((r) => (r[0] ? 1 : 0))),
  };
}

function summariseHard(outcomes: HardOutcome[], key: string, options: SummaryOptions): HardSummary {
  return {
    questions: outcomes.length,
    accuracy: estimate(outcomes.map((o) => hardQuestionScore(o.statements)), options.seed, `${key}:hard`, options.bootstrapSamples),
    statementAccuracy: mean(outcomes.flatMap((o) => o.statements.map((right) => (right ? 1 : 0)))),
  };
}

function summariseGroup(easy: EasyOutcome[], hard: HardOutcome[], key: string, options: SummaryOptions): GroupSummary {
  return {
    questions: Math.max(easy.length, hard.length),
    easy:
      easy.length === 0
        ? null
        : {
            letter: summariseEasyMethod(easy.map((o) => o.letter), `${key}:letter`, options),
            loglikelihood: summariseEasyMethod(easy.map((o) => o.loglikelihood), `${key}:loglikelihood`, options),
          },
    hard: hard.length === 0 ? null : summariseHard(hard, key, options),
  };
}

/** Own-country (or unconditioned) results per country, per region and overall, with bootstrap intervals. */
export function summarise(result: EvaluationResult, options: SummaryOptions): Breakdown {
  const own = <T extends { country: string; conditioning: string | null }>(o: T) => o.conditioning === null || o.conditioning === o.country;
  const easy = result.easy.filter(own);
  const hard = result.hard.filter(own);
  const breakdown = (keyOf: (country: string) => string, prefix: string): Record<string, GroupSummary> => {
    const easyGroups = groupBy(easy, (o) => keyOf(o.country));
    const hardGroups = groupBy(hard, (o) => keyOf(o.country));
    const keys = [...new Set([...easyGroups.keys(), ...hardGroups.keys()])].sort();
    return Object.fromEntries(
      keys.map((k) => [k, summariseGroup(easyGroups.get(k) ?? [], hardGroups.get(k) ?? [], `${prefix}:${k}`, options)]),
    );
  };
  return {
    overall: summariseGroup(easy, hard, 'overall', options),
    byRegion: breakdown(regionOf, 'region'),
    byCountry: breakdown((c) => c, 'country'),
  };
}

/** Every (conditioning country, question country) pair of a --cross run, with plain accuracies. */
export function crossMatrix(result: EvaluationResult): CrossCell[] {
  const pairKey = (o: { conditioning: string | null; country: string }) => `${o.conditioning}\u0000${o.country}`;
  const easyPairs = groupBy(result.easy.filter((o) => o.conditioning !== null), pairKey);
  const hardPairs = groupBy(result.hard.filter((o) => o.conditioning !== null), pairKey);
  const keys = [...new Set([...easyPairs.keys(), ...hardPairs.keys()])].sort();
  return keys.map((key) => {
    const [conditioning, country] = key.split('\u0000');
    const easy = easyPairs.get(key) ?? [];
    const hard = hardPairs.get(key) ?? [];
    return {
      conditioning,
      country,
      questions: Math.max(easy.length, hard.length),
      easyLetterMean: mean(easy.map((o) => scoreRotations(o.letter).mean)),
      easyLoglikelihoodMean: mean(easy.map((o) => scoreRotations(o.loglikelihood).mean)),
      hardAccuracy: mean(hard.map((o) => hardQuestionScore(o.statements))),
    };
  });
}
