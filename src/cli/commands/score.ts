import { Option, type Command } from 'commander';
import { scoreUnderPrompts } from '../../instruments/index.ts';
import { addModelOptions, openModel, type ModelFlags } from '../model-options.ts';
import { readSettings } from '../../util/settings.ts';
import { readSoftPromptFile } from '../../model/index.ts';
import { readJsonLines } from '../jsonl.ts';
import type { HuggingFaceTokenizer } from '../../model/tokenizer.ts';
import type { Placement, ScoreRequest } from '../../model/types.ts';
import { checkWritable, writeFileAtomic } from '../../util/atomic.ts';
import { UserError } from '../../util/errors.ts';
import { progressReporter } from '../progress.ts';

interface ScoreFlags extends ModelFlags {
  input: string;
  softPrompt?: string;
  placement: Placement;
  chat?: boolean;
  output?: string;
}

/** A non-empty list of token ids; anything else is one line naming the field and the bad entry. */
function tokenIds(value: unknown, field: string, where: string): number[] {
  if (!Array.isArray(value) || value.length === 0) throw new UserError(`${where}: "${field}" must be a non-empty list of token ids`);
  const bad = value.findIndex((v) => !Number.isSafeInteger(v) || v < 0);
  if (bad >= 0) throw new UserError(`${where}: "${field}" entry ${bad} is ${JSON.stringify(value[bad])}, not a token id (an integer >= 0)`);
  return value;
}

/** Builds one score request from a record: {"id", "prompt"|"ids", "options"|"option_ids"}. */
export function requestFromRecord(record: Record<string, unknown>, where: string, tokenizer: HuggingFaceTokenizer, chat: boolean): ScoreRequest {
  let ids: number[];
  let text: string | undefined;
  if (record.prompt !== undefined) {
    if (typeof record.prompt !== 'string') throw new UserError(`${where}: "prompt" must be text`);
    text = chat ? tokenizer.applyChatTemplate([{ role: 'user', content: record.prompt }], { addGenerationPrompt: true }) : record.prompt;
    ids = tokenizer.encodePrompt(text, chat);
  } else if (record.ids !== undefined) {
    ids = tokenIds(record.ids, 'ids', where);
  } else {
    throw new UserError(`${where}: needs "prompt" (text) or "ids" (token ids)`);
  }
  if (record.options !== undefined) {
    if (!Array.isArray(record.options) || record.options.length === 0 || !record.options.every((o) => typeof o === 'string')) {
      throw new UserError(`${where}: "options" must be a non-empty list of strings`);
    }
    const options = (record.options as string[]).map((o) =>
      text !== undefined ? tokenizer.continuationIds(text, o) : tokenizer.encode(o, { addSpecialTokens: false }),
    );
    const empty = options.findIndex((o) => o.length === 0);
    if (empty >= 0) throw new UserError(`${where}: option ${empty} tokenises to nothing`);
    return { ids, options };
  }
  if (record.option_ids !== undefined) return { ids, options: tokenIds(record.option_ids, 'option_ids', where).map((id) => [id]) };
  throw new UserError(`${where}: needs "options" (strings) or "option_ids" (one token id each)`);
}

export function register(program: Command): void {
  addModelOptions(
    program
      .command('score')
      .description('Log-probabilities of answer options after prompts (JSON lines in, JSON lines out)')
      .requiredOption('--input <file>', 'JSON lines: {"id", "prompt"|"ids", "options"|"option_ids"} ("-" reads stdin)'),
  )
    .option('--soft-prompt <file>', 'soft prompt: PEFT adapter_model.safetensors, .npy or .json')
    .addOption(new Option('--placement <where>', 'where the soft prompt goes').choices(['start', 'after-bos']).default('start'))
    .option('--chat', "wrap text prompts in the model's chat template as a user turn")
    .option('--output <file>', 'write JSON lines here (atomically) instead of stdout')
    .action(async (flags: ScoreFlags) => {
      const records = readJsonLines(flags.input);
      if (flags.output) checkWritable(flags.output, 'file');
      const model = await openModel(flags, readSettings());
      try {
        const softPrompt = flags.softPrompt ? readSoftPromptFile(flags.softPrompt, model.hidden) : undefined;
        const where = (i: number) => `${flags.input} line ${records[i].line}`;
        const requests = records.map(({ value }, i) => requestFromRecord(value, where(i), model.tokenizer, !!flags.chat));
        model.checkRequests(requests, softPrompt?.k ?? 0, where);
        const progress = progressReporter('scoring', requests.length);
        const [logprobs] = await scoreUnderPrompts(model, requests, [softPrompt], { placement: flags.placement, onProgress: progress.update });
        progress.stop();
        const lines = records.map(({ value }, i) => JSON.stringify({ id: value.id ?? null, logprobs: logprobs[i] })).join('\n') + '\n';
        if (flags.output) writeFileAtomic(flags.output, lines);
        else process.stdout.write(lines);
      } finally {
        await model.dispose();
      }
    });
}
