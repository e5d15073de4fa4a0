import fs from 'node:fs';
import path from 'node:path';
import { FP16_LARGEST, decodeSoftPromptJson, float16BitsToFloat32, float32ToFloat16Bits, encodeNpy, encodePeftSoftPrompt, encodeSoftPromptJson, PEFT_INIT, peftAdapterConfig } from '../embedding/index.ts';
import { readModelConfig } from '../model/model-folder.ts';
import { snapshotOf } from '../model/hub/snapshot-path.ts';
import { writeFilesAtomic } from '../util/atomic.ts';
import { UserError } from '../util/errors.ts';
import { displayPath } from '../util/display-path.ts';
import { CHECKPOINT_FILE, FRONT_FILE, readFront, readRunInfo, readRunJson, readRunPrompt, type Checkpoint, type RunModel, type RunResult, RESULT_FILE } from './run-files.ts';
import { VERSION } from '../util/version.ts';

export type ExportFormat = 'peft' | 'npy' | 'json';

export interface ExportOptions {
  dtype?: 'F32' | 'F16';
  /** Multi-objective runs: the member of the front (default: the chosen one, prompt.json). */
  frontIndex?: number;
  /** base_model_name_or_path to write instead of the one the run knows (a Hub id). */
  baseModel?: string;
}

export interface ExportResult {
  files: string[];
  /** Lines worth telling the user (a base model named by its folder only). */
  notices: string[];
}

interface BaseModel {
  name: string;
  revision?: string;
  notice?: string;
}

/**
 * What the adapter names as its base model: the id given, else the Hub id the model was downloaded by,
 * else the id of the Hub cache snapshot the folder is. A plain folder has no id: its name is written
 * (never its absolute path, which means nothing on another machine) and the user is told.
 */
export function baseModelOf(model: RunModel, override?: string): BaseModel {
  if (override !== undefined) {
    if (override.trim() === '') throw new UserError('--base-model needs a Hub id, e.g. HuggingFaceTB/SmolLM2-135M-Instruct');
    return { name: override };
  }
  if (model.hubId) return { name: model.hubId, revision: model.revision };
  const snapshot = snapshotOf(model.dir);
  if (snapshot) return { name: snapshot.repoId, revision: snapshot.commit };
  const name = path.basename(model.dir);
  return {
    name,
    notice: `no Hub id is known for the model folder ${displayPath(model.dir)}: base_model_name_or_path is its name "${name}"; pass --base-model ID to name the Hub model`,
  };
}

/** The front member `index` of a multi-objective run, or its chosen one when `index` is undefined; undefined for a single-objective run. */
function frontMember(runDir: string, index: number | undefined) {
  const front = readFront(runDir);
  if (!front) {
    if (index !== undefined) throw new UserError(`${runDir} is not a multi-objective run (no ${FRONT_FILE}); --front needs one trained with --objectives`);
    return undefined;
  }
  const chosen = index ?? front.chosen;
  if (!Number.isInteger(chosen) || chosen < 0 || chosen >= front.members.length) {
    throw new UserError(`--front ${index}: the front of ${runDir} has members 0 to ${front.members.length - 1}`);
  }
  return { front, index: chosen, member: front.members[chosen] };
}

/** A value fp16 cannot hold would be written as infinity: refused, naming it, before anything is written. */
function refuseBeyondHalfRange(values: Float32Array): void {
  const index = values.findIndex((v) => !Number.isFinite(float16BitsToFloat32(float32ToFloat16Bits(v))));
  if (index >= 0) {
    throw new UserError(`the soft prompt holds ${values[index]}, beyond fp16's range (largest ${FP16_LARGEST}): export it with --dtype f32`);
  }
}

/**
 * Writes a run's best prompt as PEFT (adapter_model.safetensors + adapter_config.json), .npy or JSON,
 * with cultune_metadata.json beside it. The files replace an earlier export together (see
 * writeFilesAtomic), the metadata last, so a folder with metadata is a complete export. For a
 * multi-objective run, `frontIndex` picks a member of the front (front.json); by default the one the
 * choice rule picked, which is prompt.json.
 */
export function exportRun(runDir: string, format: ExportFormat, outDir: string, options: ExportOptions = {}): ExportResult {
  const dtype = options.dtype ?? 'F32';
  const info = readRunInfo(runDir);
  const checkpoint = readRunJson<Checkpoint>(runDir, CHECKPOINT_FILE);
  const result = readRunJson<RunResult>(runDir, RESULT_FILE);
  if (!checkpoint?.best) throw new UserError(`${runDir} has no finished generation yet; nothing to export`);
  const picked = frontMember(runDir, options.frontIndex);
  const prompt = picked ? decodeSoftPromptJson(JSON.stringify(picked.member.prompt), info.model.hidden) : readRunPrompt(runDir, info);
  const best = picked?.member.result ?? checkpoint.best;
  if (dtype === 'F16' && format !== 'json') refuseBeyondHalfRange(prompt.data);
  const base = baseModelOf(info.model, options.baseModel);
  const files: [name: string, data: string | Uint8Array][] = [];
  const write = (name: string, data: string | Uint8Array) => files.push([name, data]);
  if (format === 'peft') {
    // Read before anything is written: a model folder that has gone is one line, not a half export.
    if (!fs.existsSync(info.model.dir)) {
      throw new UserError(`the run's model folder ${displayPath(info.model.dir)} is gone, and a PEFT adapter records the model's dimensions from its config.json: put the folder back, or export --format npy or --format json, which need no model`);
    }
    const { config } = readModelConfig(info.model.dir);
    write('adapter_model.safetensors', encodePeftSoftPrompt(prompt, dtype));
    write(
      'adapter_config.json',
      `${JSON.stringify(
        peftAdapterConfig({
          baseModel: base.name,
          revision: base.revision,
          numVirtualTokens: prompt.k,
          tokenDim: prompt.hidden,
          numLayers: config.layers,
          numAttentionHeads: config.heads,
          init: PEFT_INIT[info.softPrompt.init],
          initText: info.softPrompt.initText,
        }),
        null,
        2,
      )}\n`,
    );
  } else if (format === 'npy') {
    write('prompt.npy', encodeNpy(prompt.data, [prompt.k, prompt.hidden], dtype === 'F16' ? '<f2' : '<f4'));
  } else {
    write('prompt.json', encodeSoftPromptJson(prompt));
  }
  write('cultune_metadata.json', `${JSON.stringify({
    cultune: VERSION,
    country: info.country,
    target: info.target,
    model: info.model,
    baseModel: { name: base.name, revision: base.revision ?? null },
    instrument: info.instrument,
    softPrompt: info.softPrompt,
    search: info.search,
    finished: result !== undefined,
    stopReason: result?.stopReason ?? null,
    generations: checkpoint.generation,
    evaluations: checkpoint.evaluations,
    bestLoss: best.loss.value,
    scores: best.scores,
    loss: best.loss,
    ...(picked
      ? { front: { index: picked.index, members: picked.front.members.length, chosen: picked.front.chosen, rule: picked.front.rule, objectives: picked.front.objectives, values: picked.member.objectives } }
      : {}),
  }, null, 2)}\n`);
  // All files or none: an export folder never mixes a new tensor with old metadata.
  const written = files.map(([name, data]) => [path.join(outDir, name), data] as const);
  writeFilesAtomic(written);
  return { files: written.map(([file]) => file), notices: base.notice ? [base.notice] : [] };
}
