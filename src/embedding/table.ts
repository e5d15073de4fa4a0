import { UserError } from '../util/errors.ts';

/** A model's input embedding matrix, row-major [vocab, hidden]. */
export interface EmbeddingTable {
  data: Float32Array;
  vocab: number;
  hidden: number;
}

export interface TableStats {
  /** Mean and standard deviation over all entries (pooled). */
  mean: number;
  std: number;
  /** Per hidden dimension: smallest and largest value over the vocabulary. */
  min: Float32Array;
  max: Float32Array;
}

export function checkTable(table: EmbeddingTable): void {
  if (!(table.vocab > 0 && table.hidden > 0) || table.data.length !== table.vocab * table.hidden) {
    throw new UserError(`embedding table has ${table.data.length} values, expected vocab ${table.vocab} x hidden ${table.hidden}`);
  }
}

export function tableStats(table: EmbeddingTable): TableStats {
  checkTable(table);
  const { data, hidden } = table;
  const min = new Float32Array(hidden).fill(Infinity);
  const max = new Float32Array(hidden).fill(-Infinity);
  let sum = 0;
  for (let n = 0; n < data.length; n++) {
    const value = data[n];
    const j = n % hidden;
    sum += value;
    if (value < min[j]) min[j] = value;
    if (value > max[j]) max[j] = value;
  }
  const mean = sum / data.length;
  let squares = 0;
  for (let n = 0; n < data.length; n++) squares += (data[n] - mean) ** 2;
  return { mean, std: Math.sqrt(squares / data.length), min, max };
}
