import { Option, type Command } from 'commander';
import { addModelOptions, openModel, type ModelFlags } from '../model-options.ts';
import { readSoftPromptFile } from '../../model/index.ts';
import { readJsonLines } from '../jsonl.ts';
import type { HuggingFaceTokenizer } from '../../model/tokenizer.ts';
import type { Placement, ScoreRequest } from '../../model/types.ts';
import { writeFileAtomic } from '../../util/atomic.ts';
import { UserError } from '../../util/errors.ts';
import { progressReporter } from '../progress.ts';

interface ScoreFlags extends ModelFlags {
  input: string;
  softPrompt?: string;
  placement: Placement;
  chat?: boolean;
  output?: string;
}

function isIdList(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((v) => Number.isInteger(v) && v >= 0);
}

/** Builds one score request from a record: {"id", "prompt"|"ids", "options"|"option_ids"}. */
export function requestFromRecord(record: Record<string, unknown>, where: string, tokenizer: HuggingFaceTokenizer, chat: boolean): ScoreRequest {
  let ids: number[];
  let text: string | undefined;
  if (typeof record.prompt === 'string') {
    text = chat ? tokenizer.applyChatTemplate([{ role: 'user', content: record.prompt }], { addGenerationPrompt: true }) : record.prompt;
    ids = tokenizer.encodePrompt(text, chat);
  } else if (isIdList(record.ids)) {
    ids = record.ids;
  } else {
    throw new UserError(`${where}: needs "prompt" (text) or "ids" (token ids)`);
  }
  if (Array.isArray(record.options) && record.options.length > 0 && record.options.every((o) => typeof o === 'string')) {
    const options = (record.options as string[]).map((o) =>
      text !== undefined ? tokenizer.continuationIds(text, o) : tokenizer.encode(o, { addSpecialTokens: false }),
    );
    const empty = options.findIndex((o) => o.length === 0);
    if (empty >= 0) throw new UserError(`${where}: option ${empty} tokenises to nothing`);
    return { ids, options };
  }
  if (isIdList(record.option_ids) && record.option_ids.length > 0) return { ids, options: record.option_ids.map((id) => [id]) };
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
      const model = await openModel(flags);
      try {
        const softPrompt = flags.softPrompt ? readSoftPromptFile(flags.softPrompt, model.hidden) : undefined;
        const requests = records.map(({ line, value }) => requestFromRecord(value, `${flags.input} line ${line}`, model.tokenizer, !!flags.chat));
        const progress = progressReporter('scoring', requests.length);
        const logprobs = await model.score(requests, { softPrompt, placement: flags.placement, onProgress: progress.update });
        progress.stop();
        const lines = records.map(({ value }, i) => JSON.stringify({ id: value.id ?? null, logprobs: logprobs[i] })).join('\n') + '\n';
        if (flags.output) writeFileAtomic(flags.output, lines);
        else process.stdout.write(lines);
      } finally {
        await model.dispose();
      }
    });
}
