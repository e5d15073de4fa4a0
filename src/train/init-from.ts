import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { InitSource, SoftPromptConfig } from '../embedding/index.ts';
import { readSoftPromptFile } from '../model/soft-prompt-file.ts';
import type { SoftPrompt } from '../model/types.ts';
import { displayPath } from '../util/display-path.ts';
import { UserError } from '../util/errors.ts';
import { fileSystemError } from '../util/fs-errors.ts';

/**
 * The prompt files `--init-from DIR` looks for, in order: a PEFT prompt-tuning adapter (or cultune's
 * `export --format peft`), cultune's json export or a run folder's best prompt, cultune's npy export.
 */
const PROMPT_FILES = ['adapter_model.safetensors', 'prompt.json', 'prompt.npy'];

function promptFileIn(given: string): string {
  if (!fs.existsSync(given)) throw new UserError(`--init-from ${given}: no such file or folder`);
  if (!fs.statSync(given).isDirectory()) return path.resolve(given);
  const found = PROMPT_FILES.map((name) => path.join(given, name)).find((file) => fs.existsSync(file));
  if (!found) throw new UserError(`--init-from ${given}: the folder holds none of ${PROMPT_FILES.join(', ')}; pass a PEFT prompt-tuning adapter, a cultune export or a run folder`);
  return path.resolve(found);
}

function fileHash(file: string): string {
  try {
    return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  } catch (error) {
    throw fileSystemError(error, file, 'read');
  }
}

/** The prompt's k against --k: one line naming both and the flag to fix. */
function checkK(prompt: SoftPrompt, k: number, file: string): void {
  if (prompt.k !== k) throw new UserError(`--init-from ${displayPath(file)} holds ${prompt.k} prompt vectors but --k is ${k}: pass --k ${prompt.k}`);
}

/**
 * `--init-from`, checked before any model is loaded: the prompt file found, read, its k matched to --k,
 * and recorded by path and SHA-256 (run.json's softPrompt.from).
 */
export function initSourceOf(given: string, k: number): InitSource {
  const file = promptFileIn(given);
  checkK(readSoftPromptFile(file), k, file);
  return { path: file, sha256: fileHash(file) };
}

/**
 * The prompt a `from` run starts at, checked against the model's hidden size and against the hash
 * run.json recorded: a source changed since the run began would make a resume start elsewhere.
 */
export function readInitPrompt(softPrompt: SoftPromptConfig, hidden: number): Float32Array {
  const source = softPrompt.from;
  if (!source) throw new UserError('run.json says the soft prompt starts from a file (init "from") but names none (softPrompt.from); train it again');
  const shown = displayPath(source.path);
  if (!fs.existsSync(source.path)) throw new UserError(`the run starts from ${shown} (--init-from), which is gone: put it back to resume the run`);
  if (fileHash(source.path) !== source.sha256) {
    throw new UserError(`${shown} (--init-from) changed since the run began (sha256 ${source.sha256.slice(0, 12)} recorded): put the original back, or start a new run with --name`);
  }
  const prompt = readSoftPromptFile(source.path);
  if (prompt.hidden !== hidden) {
    throw new UserError(`--init-from ${shown} holds prompts of hidden size ${prompt.hidden} but the model's hidden size is ${hidden}: pass the --model the adapter was trained for, or an --init-from made for this model`);
  }
  checkK(prompt, softPrompt.k, source.path);
  return prompt.data;
}
