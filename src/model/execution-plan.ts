import type { PlanName } from './prepare-graph.ts';
import type { ComputeDtype } from './half-precision.ts';
import type { ModelConfig } from './model-folder.ts';
import { UserError } from '../util/errors.ts';

/**
 * How a device scores: the execution plan and the precision, as asked for (`--plan`, `--dtype`) and as
 * chosen. The CPU keeps the prefix tree: its cores gain from computing each shared prefix once, and
 * its KV caches live in the same memory. A GPU gets flat batches: one large run per batch keeps the
 * work on the device, where moving KV caches between many small runs through host memory costs more
 * than recomputing the shared prefixes (on an H200, exact fp32, the 135M population: 491.5 ms per
 * candidate on the tree plan, 112.6 ms on the flat one; BENCHMARKS.md, "Execution plans").
 */

export type PlanRequest = 'auto' | PlanName;
export const PLAN_CHOICES: readonly PlanRequest[] = ['auto', 'tree', 'flat'];

export function parsePlan(value: string): PlanRequest {
  if ((PLAN_CHOICES as readonly string[]).includes(value)) return value as PlanRequest;
  throw new UserError(`unknown plan "${value}": use auto, tree or flat`);
}

const DTYPES: Record<string, ComputeDtype | undefined> = { auto: undefined, fp32: 'float32', fp16: 'float16', bf16: 'bfloat16' };
export const DTYPE_CHOICES = Object.keys(DTYPES);

/** `--dtype`: undefined for auto (the export's own precision). */
export function parseDtype(value: string): ComputeDtype | undefined {
  if (!(value in DTYPES)) throw new UserError(`unknown dtype "${value}": use auto, fp32, fp16 or bf16`);
  return DTYPES[value];
}

/** The plan for a provider ("cpu", "cuda:0", "webgpu", ...): auto is the tree on the CPU, flat anywhere else. */
export function planForProvider(request: PlanRequest, provider: string): PlanName {
  if (request !== 'auto') return request;
  return provider === 'cpu' ? 'tree' : 'flat';
}

/**
 * Bytes one flat batch of `rows` rows padded to `width` positions needs beyond the weights, an upper
 * estimate: per position the tensors alive inside a layer (residual, norm, q/k/v and attention output:
 * ~8 x hidden; gate, up and their product: 3-4 x intermediate) and the attention scores and
 * probabilities (fp32, with a copy where a half graph casts them: 3 x heads x width); per row the
 * full-vocabulary logits of its scored positions for the log-sum-exp. Counted in fp32 whatever the
 * precision, so half precision has room to spare.
 */
export function flatBatchBytes(config: ModelConfig, rows: number, width: number, positionsPerRow: number): number {
  const intermediate = config.intermediate ?? 4 * config.hidden;
  const perPosition = 8 * config.hidden + 4 * intermediate + 3 * config.heads * width;
  return 4 * rows * (width * perPosition + positionsPerRow * config.vocab);
}

/** Where no free-memory figure is available (CPU, or a GPU nvidia-smi does not report): the flat plan's batch memory. */
export const DEFAULT_BATCH_MEMORY = 1 << 30;
/** Of the GPU memory free once the weights are loaded, the share batches may plan on (the rest: allocator rounding, workspaces). */
export const FREE_MEMORY_SHARE = 0.6;
