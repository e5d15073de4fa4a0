import type { ChatMessage } from '../model/types.ts';
import { UserError } from '../util/errors.ts';

/**
 * How a question is put to the model and its stance read. `classify` reads the answer options'
 * log-likelihoods right after the question. The generating formats first let the model write
 * (greedily, under the candidate's soft prompt), then read the same options' log-likelihoods after its
 * text and a fixed read-out line: the instrument gets the same distributions either way.
 */
export interface InteractionFormat {
  name: string;
  /** One line for help and docs. */
  description: string;
  /** A paragraph added to the question's last user message; absent for classify. */
  instruction?: string;
  /** Tokens generated at most unless --max-new-tokens says otherwise; 0: nothing is generated. */
  defaultMaxNewTokens: number;
}

export const FORMATS: readonly InteractionFormat[] = [
  { name: 'classify', description: "the options' log-probabilities right after the question", defaultMaxNewTokens: 0 },
  {
    name: 'cot',
    description: 'a step-by-step reasoning generated first, then the options read after it',
    instruction: 'Before you give your answer, think it through step by step in a few short sentences.',
    defaultMaxNewTokens: 64,
  },
  {
    name: 'scenario',
    description: 'a short answer in your own words generated first, then the options read after it',
    instruction: 'Before you give your answer, say in one or two sentences, in your own words, what you would do or feel in such a situation in your everyday life.',
    defaultMaxNewTokens: 48,
  },
];

export const FORMAT_NAMES = FORMATS.map((f) => f.name);
export const DEFAULT_FORMAT = 'classify';

/** The line after the generated text; the answer options are read as its continuation. */
export const READ_OUT = '\n\nSo my answer is';

/** A format as runs and eval records store it: its name and, for a generating one, the token cap. */
export interface FormatSetting {
  name: string;
  maxNewTokens?: number;
}

export const CLASSIFY: FormatSetting = { name: DEFAULT_FORMAT };

/** The flags that choose a format: `--format`, `--max-new-tokens`. */
export interface FormatFlags {
  format?: string;
  maxNewTokens?: number;
}

export function formatNamed(name: string): InteractionFormat {
  const format = FORMATS.find((f) => f.name === name);
  if (!format) throw new UserError(`unknown format "${name}"; cultune has ${FORMAT_NAMES.join(', ')}`);
  return format;
}

/** Whether the format generates text before the options are read (none given: classify, which does not). */
export function generates(setting: FormatSetting = CLASSIFY): boolean {
  return formatNamed(setting.name).defaultMaxNewTokens > 0;
}

/**
 * The setting `--format` and `--max-new-tokens` ask for, given flags falling back to `base` (a run's
 * stored format; a record without one is classify). The cap is kept only where text is generated.
 */
export function formatSetting(flags: FormatFlags, base: FormatSetting = CLASSIFY): FormatSetting {
  const format = formatNamed(flags.format ?? base.name);
  if (format.defaultMaxNewTokens === 0) {
    if (flags.maxNewTokens !== undefined) throw new UserError(`--max-new-tokens needs a format that generates text (${FORMAT_NAMES.filter((n) => n !== format.name).join(', ')}), not ${format.name}`);
    return { name: format.name };
  }
  const inherited = format.name === base.name ? base.maxNewTokens : undefined;
  return { name: format.name, maxNewTokens: flags.maxNewTokens ?? inherited ?? format.defaultMaxNewTokens };
}

/** "cot (64 new tokens)", "classify": how tables and lines name a format. */
export function describeFormat(setting: FormatSetting | undefined): string {
  const { name, maxNewTokens } = setting ?? CLASSIFY;
  return maxNewTokens === undefined ? name : `${name} (${maxNewTokens} new tokens)`;
}

/** The question's messages in the format: the instruction joins its last user message as a paragraph. */
export function formatMessages(messages: readonly ChatMessage[], setting: FormatSetting): ChatMessage[] {
  const { instruction } = formatNamed(setting.name);
  if (!instruction) return [...messages];
  const last = messages.map((m) => m.role).lastIndexOf('user');
  return messages.map((m, i) => (i === last ? { ...m, content: `${m.content}\n\n${instruction}` } : m));
}
