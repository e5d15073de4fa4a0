import { SeededStream } from '../util/seeded-random.ts';
import { checkTable, tableStats, type EmbeddingTable } from './table.ts';
import { UserError } from '../util/errors.ts';

/** PEFT's names for the ways to initialise a soft prompt. */
export type PromptTuningInit = 'RANDOM' | 'TEXT' | 'RANDOM_DISCRETE';

export interface InitSpec {
  method: PromptTuningInit;
  seed: string | number;
  /** TEXT: the token ids of the initialising text (e.g. "You are a person from Saudi Arabia"). */
  tokenIds?: readonly number[];
}

/**
 * One soft prompt, k rows of `hidden`:
 *   RANDOM_DISCRETE  rows of k vocabulary embeddings drawn uniformly (seeded), as PEFT does;
 *   TEXT             the embeddings of the text's tokens, repeated or cut to k rows (PEFT's rule);
 *   RANDOM           independent normals with the table's mean and std (this lands off the
 *                    embedding manifold, PEFT issue #2816, so it is the weakest start).
 */
export function initSoftPrompt(table: EmbeddingTable, k: number, spec: InitSpec): Float32Array {
  checkTable(table);
  if (!(Number.isInteger(k) && k > 0)) throw new UserError(`number of virtual tokens must be a positive integer, got ${k}`);
  const { hidden } = table;
  const out = new Float32Array(k * hidden);
  const stream = new SeededStream(spec.seed);
  switch (spec.method) {
    case 'RANDOM_DISCRETE':
      for (let row = 0; row < k; row++) copyRow(table, stream.below(table.vocab), out, row);
      return out;
    case 'TEXT': {
      const ids = spec.tokenIds ?? [];
      if (ids.length === 0) throw new UserError('TEXT initialisation needs the token ids of a non-empty text');
      for (let row = 0; row < k; row++) copyRow(table, ids[row % ids.length], out, row);
      return out;
    }
    case 'RANDOM': {
      const { mean, std } = tableStats(table);
      for (let n = 0; n < out.length; n++) out[n] = mean + std * stream.normal();
      return out;
    }
    default:
      throw new UserError(`unknown prompt init '${String(spec.method)}' (use RANDOM, TEXT or RANDOM_DISCRETE)`);
  }
}

/**
 * A starting population for full-space search. RANDOM and RANDOM_DISCRETE draw every member
 * independently. TEXT gives one text, so member 0 is its embedding and the others add normal noise
 * of `textJitter` table stds: identical members would leave DE no differences to work with.
 */
export function initPopulation(
  table: EmbeddingTable,
  k: number,
  popSize: number,
  spec: InitSpec,
  textJitter = 0.1,
): Float32Array[] {
  if (spec.method !== 'TEXT') {
    return Array.from({ length: popSize }, (_, i) => initSoftPrompt(table, k, { ...spec, seed: `${spec.seed}/${i}` }));
  }
  return jitteredPopulation(initSoftPrompt(table, k, spec), popSize, textJitter * tableStats(table).std, spec.seed);
}

/**
 * A full-space population around one given prompt (a TEXT init, or a prompt read by --init-from):
 * member 0 is the prompt itself, the others add independent normal noise of std `noise`.
 */
export function jitteredPopulation(start: Float32Array, popSize: number, noise: number, seed: string | number): Float32Array[] {
  const stream = new SeededStream(`${seed}/jitter`);
  return Array.from({ length: popSize }, (_, i) => {
    const member = start.slice();
    if (i > 0) for (let n = 0; n < member.length; n++) member[n] += noise * stream.normal();
    return member;
  });
}

/**
 * A starting population for subspace search: member 0 is z = 0 (exactly S0), the others are normal
 * with per-coordinate std radius/sqrt(zDim), so |z| ~ radius and, with the subspace's scaling, each
 * coordinate of S starts about `radius` table stds away from S0.
 */
export function initSubspacePopulation(popSize: number, zDim: number, seed: string | number, radius = 1): Float32Array[] {
  const stream = new SeededStream(seed);
  const sd = radius / Math.sqrt(zDim);
  return Array.from({ length: popSize }, (_, i) => {
    const z = new Float32Array(zDim);
    if (i > 0) for (let n = 0; n < zDim; n++) z[n] = sd * stream.normal();
    return z;
  });
}

function copyRow(table: EmbeddingTable, id: number, out: Float32Array, row: number): void {
  if (!(Number.isInteger(id) && id >= 0 && id < table.vocab)) throw new UserError(`token id ${id} is outside the vocabulary (0..${table.vocab - 1})`);
  out.set(table.data.subarray(id * table.hidden, (id + 1) * table.hidden), row * table.hidden);
}
