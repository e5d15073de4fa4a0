import fs from 'node:fs';
import path from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { Environment, Interpreter, Template } from '@huggingface/jinja';
import type { ChatMessage, TextTokenizer } from './types.ts';
import { UserError, describeError } from '../util/errors.ts';

/**
 * A chat template comes with the model (from the Hub, possibly hostile) and is a program: a loop without
 * end or a `range` of 10^12 once hung `score --chat` for good. Rendering is bounded by evaluation steps
 * (deterministic, unlike a clock): Llama 2's template takes 70 for a system and a user message, and
 * 100,000 steps of a loop take about 2 s.
 */
const MAX_TEMPLATE_STEPS = 100_000;
/** The longest list `range()` makes in a template: making it is one step, yet may take all the memory. */
const MAX_TEMPLATE_RANGE = 100_000;

class TemplateBudgetExceeded extends Error {}
/** A template's raise_exception: the template's own refusal of the messages. */
class TemplateRaised extends Error {}

/**
 * The library's interpreter over `environment`, counting every expression and statement it evaluates:
 * `evaluate` (private in its typings) is where the interpreter's recursion passes each time.
 */
function boundedInterpreter(environment: Environment): Interpreter {
  const interpreter = new Interpreter(environment);
  const target = interpreter as unknown as { evaluate: (...args: unknown[]) => unknown };
  const evaluate = target.evaluate.bind(interpreter);
  let stepsLeft = MAX_TEMPLATE_STEPS;
  target.evaluate = (...args) => {
    if (--stepsLeft < 0) throw new TemplateBudgetExceeded();
    return evaluate(...args);
  };
  return interpreter;
}

/** Jinja's range(), refusing a list longer than MAX_TEMPLATE_RANGE before making it. */
function boundedRange(start: number, stop?: number, step = 1): number[] {
  const [from, to] = stop === undefined ? [0, start] : [start, stop];
  if (![from, to, step].every(Number.isSafeInteger) || step === 0) throw new Error('range() takes integers and a step other than 0');
  const length = Math.max(0, Math.ceil((to - from) / step));
  if (length > MAX_TEMPLATE_RANGE) throw new Error(`range() of ${length} numbers; a template may make at most ${MAX_TEMPLATE_RANGE}`);
  return Array.from({ length }, (_, i) => from + i * step);
}

/** transformers' strftime_now (the current time, formatted), for the directives @huggingface/jinja supports, in English as Python's C locale has it. */
function strftimeNow(format: string): string {
  const now = new Date();
  const month = (style: 'long' | 'short') => now.toLocaleString('en-US', { month: style });
  const pad = (n: number) => String(n).padStart(2, '0');
  const directives: Record<string, () => string> = {
    '%Y': () => String(now.getFullYear()), '%m': () => pad(now.getMonth() + 1), '%d': () => pad(now.getDate()),
    '%b': () => month('short'), '%B': () => month('long'), '%H': () => pad(now.getHours()), '%M': () => pad(now.getMinutes()), '%%': () => '%',
  };
  return format.replace(/%[YmdbBHM%]/g, (d) => directives[d]());
}

/**
 * The globals transformers gives a chat template (as @huggingface/jinja's Template.render sets them),
 * with range() bounded and raise_exception's whole message kept for the error line.
 */
const TEMPLATE_GLOBALS: Record<string, unknown> = {
  true: true, false: false, none: null, True: true, False: false, None: null,
  range: boundedRange,
  strftime_now: strftimeNow,
  raise_exception: (message: unknown) => {
    throw new TemplateRaised(String(message).replace(/\s*\n\s*/g, ' ').trim());
  },
};

/** Renders a parsed chat template under the step bound; every failure is one line naming `source` (the tokenizer folder). */
function renderBounded(template: Template, items: Record<string, unknown>, source: string): string {
  const environment = new Environment();
  for (const [name, value] of Object.entries({ ...TEMPLATE_GLOBALS, ...items })) environment.set(name, value);
  try {
    return String(boundedInterpreter(environment).run(template.parsed).value);
  } catch (error) {
    if (error instanceof TemplateBudgetExceeded) throw new UserError(`the chat template in ${source} did not finish within ${MAX_TEMPLATE_STEPS} steps (a loop without end?): fix its "chat_template"`);
    if (error instanceof TemplateRaised) throw new UserError(`the chat template in ${source} refused the messages: ${error.message}`);
    throw new UserError(`the chat template in ${source} failed: ${describeError(error).split('\n')[0]}`);
  }
}

function tokenText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as { content?: unknown }).content === 'string') {
    return (value as { content: string }).content;
  }
  return undefined;
}

function parseTemplate(text: string, source: string): Template {
  try {
    return new Template(text);
  } catch (error) {
    throw new UserError(`cannot read the chat template in ${source}: ${describeError(error).split('\n')[0]}`);
  }
}

/** A Hugging Face tokenizer.json + tokenizer_config.json with its chat template, rendered as transformers does. */
export class HuggingFaceTokenizer implements TextTokenizer {
  readonly vocabSize: number;
  private readonly template?: Template;
  /**
   * The two texts encoded last: scoring a prompt's answers encodes the prompt, then prompt + answer, for
   * every answer in turn, so the prompt recurs every other call.
   */
  private recent: { text: string; addSpecialTokens: boolean; ids: readonly number[] }[] = [];

  private constructor(
    private readonly tokenizer: Tokenizer,
    private readonly config: Record<string, unknown>,
    chatTemplate: string | undefined,
    /** Where the tokenizer came from, for error lines. */
    private readonly source: string,
  ) {
    const vocab = (tokenizer as unknown as { get_vocab?: () => Map<string, number> | Record<string, number> }).get_vocab?.();
    const ids = vocab instanceof Map ? [...vocab.values()] : Object.values(vocab ?? {});
    const added = [...tokenizer.get_added_tokens_decoder().keys()];
    this.vocabSize = Math.max(-1, ...ids, ...added) + 1;
    this.template = chatTemplate ? parseTemplate(chatTemplate, source) : undefined;
  }

  static fromFolder(dir: string): HuggingFaceTokenizer {
    const tokenizerFile = path.join(dir, 'tokenizer.json');
    const configFile = path.join(dir, 'tokenizer_config.json');
    let tokenizerJson: unknown;
    let config: Record<string, unknown> = {};
    try {
      tokenizerJson = JSON.parse(fs.readFileSync(tokenizerFile, 'utf8'));
      if (fs.existsSync(configFile)) config = JSON.parse(fs.readFileSync(configFile, 'utf8'));
    } catch (error) {
      throw new UserError(`cannot read the tokenizer in ${dir}: ${(error as Error).message.split('\n')[0]}`);
    }
    let chatTemplate = config.chat_template;
    const templateFile = path.join(dir, 'chat_template.jinja');
    if (chatTemplate === undefined && fs.existsSync(templateFile)) chatTemplate = fs.readFileSync(templateFile, 'utf8');
    if (Array.isArray(chatTemplate)) {
      chatTemplate = (chatTemplate as { name: string; template: string }[]).find((t) => t.name === 'default')?.template;
    }
    let tokenizer: Tokenizer;
    try {
      tokenizer = new Tokenizer(tokenizerJson as object, config);
    } catch (error) {
      throw new UserError(`cannot load ${tokenizerFile}: ${(error as Error).message.split('\n')[0]}`);
    }
    return new HuggingFaceTokenizer(tokenizer, config, typeof chatTemplate === 'string' ? chatTemplate : undefined, dir);
  }

  /** The tokenizer's end-of-sequence token text (tokenizer_config.json "eos_token"), where it names one. */
  get eosToken(): string | undefined {
    return tokenText(this.config.eos_token);
  }

  /** The id of a token the vocabulary holds as one special token (`<|im_end|>`), else undefined. */
  specialTokenId(text: string): number | undefined {
    for (const [id, token] of this.tokenizer.get_added_tokens_decoder()) if (token.content === text) return id;
    return undefined;
  }

  get hasChatTemplate(): boolean {
    return this.template !== undefined;
  }

  encode(text: string, options: { addSpecialTokens?: boolean } = {}): number[] {
    const addSpecialTokens = options.addSpecialTokens ?? true;
    const hit = this.recent.find((entry) => entry.text === text && entry.addSpecialTokens === addSpecialTokens);
    if (hit) return [...hit.ids];
    const ids = this.tokenizer.encode(text, { add_special_tokens: addSpecialTokens }).ids;
    this.recent = [{ text, addSpecialTokens, ids: [...ids] }, ...this.recent.slice(0, 1)];
    return ids;
  }

  decode(ids: number[]): string {
    return this.tokenizer.decode(ids, { skip_special_tokens: false });
  }

  applyChatTemplate(messages: ChatMessage[], options: { addGenerationPrompt?: boolean } = {}): string {
    if (!this.template) {
      throw new UserError('this model has no chat template (tokenizer_config.json "chat_template"); run without --chat');
    }
    return renderBounded(this.template, {
      messages,
      add_generation_prompt: options.addGenerationPrompt ?? true,
      bos_token: tokenText(this.config.bos_token) ?? '',
      eos_token: tokenText(this.config.eos_token) ?? '',
      pad_token: tokenText(this.config.pad_token) ?? '',
      unk_token: tokenText(this.config.unk_token) ?? '',
    }, this.source);
  }

  /**
   * Encodes a text the way it reaches the model: a rendered chat prompt already carries its special
   * tokens, so none are added (as transformers' apply_chat_template(tokenize=True) does).
   */
  encodePrompt(text: string, chat: boolean): number[] {
    return this.encode(text, { addSpecialTokens: !chat });
  }

  continuationIds(prompt: string, continuation: string): number[] {
    const context = this.encode(prompt, { addSpecialTokens: false });
    const whole = this.encode(prompt + continuation, { addSpecialTokens: false });
    let shared = 0;
    while (shared < context.length && context[shared] === whole[shared]) shared++;
    // When the continuation merges with the prompt's last token, lm-eval re-encodes the continuation alone.
    if (shared < context.length) return this.encode(continuation, { addSpecialTokens: false });
    return whole.slice(shared);
  }
}
