import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../util/errors.ts';
import type { Settings } from '../util/settings.ts';
import type { DownloadProgress } from './hub/hub-model.ts';

/** What the user named with --model and its companions. */
export interface ModelChoice {
  /** A model folder, or a Hub id such as onnx-community/SmolLM2-135M-Instruct. */
  model: string;
  /** Hub ids: branch, tag or commit (default main). */
  revision?: string;
  /** Hub ids: fp32 (default) or fp16, the graph variant (`--model-variant`; `--variants` are survey respondents). */
  modelVariant?: string;
  /** The graph file inside the folder or repository, e.g. onnx/model_fp16.onnx (overrides --model-variant). */
  modelFile?: string;
}

/** Where a model downloaded by Hub id came from. */
export interface HubOrigin {
  repoId: string;
  commit: string;
}

/** A model folder on disk, ready for loadModel. */
export interface ModelSource {
  dir: string;
  graphFile?: string;
  origin?: HubOrigin;
  /** One line worth telling the user (the Hub unreachable, the cache used). */
  notice?: string;
}

/** `org/name` as the Hub spells repository ids (letters, digits, `-`, `_`, `.`). */
export function isHubId(spec: string): boolean {
  return /^[A-Za-z0-9][\w.-]*\/[A-Za-z0-9][\w.-]*$/.test(spec) && !spec.includes('..');
}

/**
 * `--model path/to/model.onnx`: the graph's folder, or the folder above an `onnx/` one (onnx-community's
 * layout keeps config.json there), with the graph picked as --model-file would.
 */
function graphFileSource(choice: ModelChoice): ModelSource {
  const file = path.resolve(choice.model);
  if (!file.endsWith('.onnx')) throw new UserError(`--model ${choice.model} is a file, not an ONNX graph or a model folder: pass the folder that holds config.json and the graph`);
  if (choice.modelFile !== undefined) throw new UserError(`--model ${choice.model} names a graph already: leave out --model-file, or pass the model's folder with --model`);
  const own = path.dirname(file);
  const dir = path.basename(own) === 'onnx' && !fs.existsSync(path.join(own, 'config.json')) ? path.dirname(own) : own;
  return { dir, graphFile: path.relative(dir, file) };
}

/**
 * A folder that exists is used as it is; otherwise a Hub id is downloaded into the Hub cache (or found
 * there). The Hub client is loaded only then, so commands on local folders start as fast as before.
 */
export async function resolveModelSource(choice: ModelChoice, settings: Pick<Settings, 'hub' | 'cacheRoot'>, progress?: DownloadProgress): Promise<ModelSource> {
  if (fs.existsSync(choice.model) && fs.statSync(choice.model).isFile()) return graphFileSource(choice);
  if (fs.existsSync(choice.model)) {
    const hubOnly = [choice.revision !== undefined && '--revision', choice.modelVariant !== undefined && '--model-variant'].filter(Boolean);
    if (hubOnly.length > 0) throw new UserError(`${hubOnly.join(' and ')} pick files of a Hub model; ${choice.model} is a local folder (--model-file picks its graph)`);
    return { dir: choice.model, graphFile: choice.modelFile };
  }
  if (!isHubId(choice.model)) {
    throw new UserError(`model folder ${choice.model} does not exist (pass --model DIR with an ONNX export, or a Hub id such as onnx-community/SmolLM2-135M-Instruct)`);
  }
  const [{ fetchHubModel }, { hubSettings }] = await Promise.all([import('./hub/hub-model.ts'), import('./hub/hub-settings.ts')]);
  const model = await fetchHubModel({ repoId: choice.model, revision: choice.revision, variant: choice.modelVariant, modelFile: choice.modelFile }, hubSettings(settings), progress);
  return { dir: model.dir, graphFile: model.graphFile, origin: { repoId: model.repoId, commit: model.commit }, notice: model.notice };
}
