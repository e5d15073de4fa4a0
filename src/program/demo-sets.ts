import type { Rng } from '../util/seeded-random.ts';

/**
 * A labelled example of the instrument: one question (item) asked for one training country, with
 * whether the model answered it as the country does under the original instruction (its own correct
 * prediction, what dspy's BootstrapFewShot keeps).
 */
export interface LabelledExample {
  country: string;
  item: string;
  correct: boolean;
}

export interface DemoSetSettings {
  /** Demo sets wanted, the three fixed ones included (dspy's num_candidate_sets). */
  sets: number;
  maxBootstrapped: number;
  maxLabelled: number;
}

/** dspy's random.sample: k distinct elements in draw order (partial Fisher–Yates on a copy). */
export function sample<T>(items: readonly T[], k: number, rng: Rng): T[] {
  const pool = [...items];
  const out: T[] = [];
  for (let i = 0; i < Math.min(k, pool.length); i++) {
    const j = i + rng.below(pool.length - i);
    [pool[i], pool[j]] = [pool[j], pool[i]];
    out.push(pool[i]);
  }
  return out;
}

function shuffled<T>(items: readonly T[], rng: Rng): T[] {
  return sample(items, items.length, rng);
}

/** Items in first-seen order, each once: a demo shows a question once, whichever country's example brought it. */
function distinctItems(examples: readonly LabelledExample[]): string[] {
  return [...new Set(examples.map((e) => e.item))];
}

/**
 * dspy's BootstrapFewShot over `examples` in order: the first `maxBootstrapped` the model got right,
 * then labelled ones from the rest, drawn at random, up to `maxLabelled` demos in all.
 */
function bootstrap(examples: readonly LabelledExample[], maxBootstrapped: number, maxLabelled: number, rng: Rng): string[] {
  const kept = examples.filter((e) => e.correct).slice(0, maxBootstrapped);
  const rest = examples.filter((e) => !kept.includes(e));
  const labelled = sample(rest, Math.max(0, maxLabelled - kept.length), rng);
  return distinctItems([...kept, ...labelled]);
}

/**
 * The demo-set candidates of dspy's create_n_fewshot_demo_sets (dspy/teleprompt/utils.py), as lists of
 * items: set 0 none (zero-shot), set 1 labelled only (a random maxLabelled), set 2 bootstrapped from the
 * examples in order, sets 3.. bootstrapped from a fresh shuffle with a random size in 1..maxBootstrapped.
 * No examples: the one empty set (the instrument has no per-question labels; MIPROv2 is zero-shot).
 */
export function demoSets(examples: readonly LabelledExample[], settings: DemoSetSettings, rng: Rng): string[][] {
  if (examples.length === 0) return [[]];
  const sets: string[][] = [[], distinctItems(sample(examples, settings.maxLabelled, rng)), bootstrap(examples, settings.maxBootstrapped, settings.maxLabelled, rng)];
  while (sets.length < settings.sets) {
    const order = shuffled(examples, rng);
    const size = 1 + rng.below(settings.maxBootstrapped);
    sets.push(bootstrap(order, size, settings.maxLabelled, rng));
  }
  return sets.slice(0, Math.max(settings.sets, 1));
}
