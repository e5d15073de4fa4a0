import fs from 'node:fs';
import path from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { Template } from '@huggingface/jinja';
import type { ChatMessage, TextTokenizer } from './types.ts';
import { UserError } from '../util/errors.ts';

function tokenText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as { content?: unknown }).content === 'string') {
    return (value as { content: string }).content;
  }
  return undefined;
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
  ) {
    const vocab = (tokenizer as unknown as { get_vocab?: () => Map<string, number> | Record<string, number> }).get_vocab?.();
    const ids = vocab instanceof Map ? [...vocab.values()] : Object.values(vocab ?? {});
    const added = [...tokenizer.get_added_tokens_decoder().keys()];
    this.vocabSize = Math.max(-1, ...ids, ...added) + 1;
    this.template = chatTemplate ? new Template(chatTemplate) : undefined;
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
    return new HuggingFaceTokenizer(tokenizer, config, typeof chatTemplate === 'string' ? chatTemplate : undefined);
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
    return this.template.render({
      messages,
      add_generation_prompt: options.addGenerationPrompt ?? true,
      bos_token: tokenText(this.config.bos_token) ?? '',
      eos_token: tokenText(this.config.eos_token) ?? '',
      pad_token: tokenText(this.config.pad_token) ?? '',
      unk_token: tokenText(this.config.unk_token) ?? '',
    });
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
