import type { DEParams } from './params.ts';
import type { DEState } from './state.ts';
import type { GDE3Params } from './gde3-params.ts';
import type { GDE3State } from './gde3-state.ts';
import { UserError } from '../util/errors.ts';

/** A JSON-safe snapshot: typed arrays become base64 of their little-endian bytes (exact and compact). */
export interface Snapshot<Format extends string, Params> {
  format: Format;
  version: 1;
  params: Params;
  state: Record<string, unknown>;
}

export type DESnapshot = Snapshot<'cultune-de', DEParams>;
export type GDE3Snapshot = Snapshot<'cultune-gde3', GDE3Params>;

type Typed = Float32Array | Float64Array;
interface EncodedArray {
  type: 'f32' | 'f64';
  base64: string;
}

export function snapshot(params: DEParams, state: DEState): DESnapshot {
  return encodeSnapshot('cultune-de', params, state);
}

export function restore(json: unknown): { params: DEParams; state: DEState } {
  const { params, state } = decodeSnapshot<DEParams, DEState>('cultune-de', 'DE', json);
  const { dim, popSize } = params;
  if (state.population?.length !== dim * popSize || state.fitness?.length !== popSize) {
    throw new UserError(`DE checkpoint is inconsistent: population does not match dim ${dim} x popSize ${popSize}`);
  }
  return { params, state };
}

export function gde3Snapshot(params: GDE3Params, state: GDE3State): GDE3Snapshot {
  return encodeSnapshot('cultune-gde3', params, state);
}

export function restoreGde3(json: unknown): { params: GDE3Params; state: GDE3State } {
  const { params, state } = decodeSnapshot<GDE3Params, GDE3State>('cultune-gde3', 'GDE3', json);
  const { dim, popSize, objectives } = params;
  if (state.population?.length !== dim * popSize || state.objectives?.length !== popSize * objectives) {
    throw new UserError(
      `GDE3 checkpoint is inconsistent: population does not match dim ${dim} x popSize ${popSize} x ${objectives} objectives`,
    );
  }
  return { params, state };
}

function encodeSnapshot<Format extends string, Params>(format: Format, params: Params, state: object): Snapshot<Format, Params> {
  return { format, version: 1, params: structuredClone(params), state: encodeValue(state) as Record<string, unknown> };
}

function decodeSnapshot<Params, State>(format: string, name: string, json: unknown): { params: Params; state: State } {
  const snap = json as Partial<Snapshot<string, Params>> | null;
  if (!snap || snap.format !== format || snap.version !== 1 || !snap.params || !snap.state) {
    throw new UserError(`not a cultune ${name} checkpoint (expected format "${format}", version 1)`);
  }
  return { params: structuredClone(snap.params), state: decodeValue(structuredClone(snap.state)) as State };
}

function encodeValue(value: unknown): unknown {
  if (value instanceof Float32Array || value instanceof Float64Array) return encodeArray(value);
  if (typeof value === 'number' && !Number.isFinite(value)) return { nonFinite: String(value) };
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, encodeValue(item)]));
  }
  return value;
}

function decodeValue(value: unknown): unknown {
  if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if (typeof record.base64 === 'string' && (record.type === 'f32' || record.type === 'f64')) {
      return decodeArray(record as unknown as EncodedArray);
    }
    if (typeof record.nonFinite === 'string') return Number(record.nonFinite);
    return Object.fromEntries(Object.entries(record).map(([key, item]) => [key, decodeValue(item)]));
  }
  return value;
}

function encodeArray(array: Typed): EncodedArray {
  const bytes = new Uint8Array(array.byteLength);
  const view = new DataView(bytes.buffer);
  const f32 = array instanceof Float32Array;
  array.forEach((x, n) => (f32 ? view.setFloat32(n * 4, x, true) : view.setFloat64(n * 8, x, true)));
  return { type: f32 ? 'f32' : 'f64', base64: Buffer.from(bytes).toString('base64') };
}

function decodeArray(encoded: EncodedArray): Typed {
  const bytes = Buffer.from(encoded.base64, 'base64');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const width = encoded.type === 'f32' ? 4 : 8;
  const out = encoded.type === 'f32' ? new Float32Array(bytes.length / width) : new Float64Array(bytes.length / width);
  for (let n = 0; n < out.length; n++) out[n] = width === 4 ? view.getFloat32(n * 4, true) : view.getFloat64(n * 8, true);
  return out;
}
