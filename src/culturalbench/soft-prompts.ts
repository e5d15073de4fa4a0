import fs from 'node:fs';
import path from 'node:path';
import type { SoftPrompt } from '../model/types.ts';
import { UserError } from '../util/errors.ts';

/** Reads one exported prompt and checks it fits the model (the model runtime provides it). */
export type SoftPromptReader = (file: string, expectedHidden: number) => SoftPrompt | Promise<SoftPrompt>;

const PROMPT_FILE = /\.(safetensors|npy|json)$/i;
/** A PEFT export is a folder; its tensor lives in this file. */
const PEFT_TENSOR_FILE = 'adapter_model.safetensors';

const normalise = (name: string) => name.toLowerCase().replace(/[-_\s]+/g, ' ').trim();

/** The dataset country a name stands for, ignoring case and - _ space differences ("south_korea"). */
export function matchCountry(name: string, countries: readonly string[]): string | undefined {
  const wanted = normalise(name);
  return countries.find((country) => normalise(country) === wanted);
}

/** The prompt files of a folder of exports, by the name they are filed under. */
function promptEntries(dir: string): { name: string; file: string }[] {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new UserError(`soft prompt folder ${dir} does not exist`);
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isFile() && PROMPT_FILE.test(entry.name)) return [{ name: entry.name.replace(PROMPT_FILE, ''), file: full }];
    if (entry.isDirectory() && fs.existsSync(path.join(full, PEFT_TENSOR_FILE))) return [{ name: entry.name, file: path.join(full, PEFT_TENSOR_FILE) }];
    return [];
  });
}

/**
 * One prompt per country from a folder holding `<country>.safetensors|.npy|.json` files or PEFT export
 * folders `<country>/adapter_model.safetensors`. A prompt filed under a name that is no dataset
 * country is an error, so a misspelt country is never silently left out.
 */
export async function softPromptsFromDirectory(
  dir: string,
  expectedHidden: number,
  read: SoftPromptReader,
  countries: readonly string[],
): Promise<Map<string, SoftPrompt>> {
  const prompts = new Map<string, SoftPrompt>();
  for (const { name, file } of promptEntries(dir)) {
    const country = matchCountry(name, countries);
    if (!country) throw new UserError(`soft prompt ${file}: "${name}" is not a CulturalBench country (${countries.join(', ')})`);
    if (prompts.has(country)) throw new UserError(`soft prompt folder ${dir} has two prompts for ${country}`);
    prompts.set(country, await read(file, expectedHidden));
  }
  if (prompts.size === 0) throw new UserError(`soft prompt folder ${dir} has no .safetensors/.npy/.json prompts or PEFT export folders`);
  return prompts;
}
