/**
 * Writes a small byte-level BPE tokenizer (tokenizer.json + tokenizer_config.json, as Hugging Face
 * tokenizers saves them) trained on a given text, with Llama 3 style special tokens and chat template,
 * so a model can be built and run with no downloaded files.
 */

const SPECIAL_TOKENS = ['<|begin_of_text|>', '<|end_of_text|>', '<|start_header_id|>', '<|end_header_id|>', '<|eot_id|>'];

export const CHAT_TEMPLATE =
  "{{ bos_token }}{% for message in messages %}{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + message['content'] | trim + '<|eot_id|>' }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}";

/** GPT-2's byte-to-unicode table: printable stand-ins for all 256 byte values. */
function byteAlphabet(): string[] {
  const printable: number[] = [];
  for (let b = 33; b <= 126; b++) printable.push(b);
  for (let b = 161; b <= 172; b++) printable.push(b);
  for (let b = 174; b <= 255; b++) printable.push(b);
  const table = new Array<string>(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    table[b] = printable.includes(b) ? String.fromCharCode(b) : String.fromCharCode(256 + extra++);
  }
  return table;
}

/** The ByteLevel pre-tokenizer's split (GPT-2 regex). */
const WORD_PATTERN = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

export interface BpeTokenizerFiles {
  tokenizerJson: object;
  tokenizerConfig: object;
  vocabSize: number;
}

export function trainByteLevelBpe(corpus: string, merges: number): BpeTokenizerFiles {
  const alphabet = byteAlphabet();
  const encoder = new TextEncoder();
  const wordCounts = new Map<string, number>();
  for (const word of corpus.match(WORD_PATTERN) ?? []) {
    const mapped = [...encoder.encode(word)].map((b) => alphabet[b]).join('\u0000');
    wordCounts.set(mapped, (wordCounts.get(mapped) ?? 0) + 1);
  }
  const words = [...wordCounts].map(([w, count]) => ({ symbols: w.split('\u0000'), count }));
  const vocab: Record<string, number> = {};
  SPECIAL_TOKENS.forEach((t, i) => (vocab[t] = i));
  for (const symbol of alphabet) vocab[symbol] = Object.keys(vocab).length;
  const mergeList: string[] = [];
  for (let m = 0; m < merges; m++) {
    const pairCounts = new Map<string, number>();
    for (const { symbols, count } of words) {
      for (let i = 0; i + 1 < symbols.length; i++) {
        const pair = `${symbols[i]} ${symbols[i + 1]}`;
        pairCounts.set(pair, (pairCounts.get(pair) ?? 0) + count);
      }
    }
    let best = '';
    let bestCount = 1;
    // Ties break on the pair's text so training is deterministic.
    for (const [pair, count] of pairCounts) if (count > bestCount || (count === bestCount && best !== '' && pair < best)) [best, bestCount] = [pair, count];
    if (!best) break;
    const [left, right] = best.split(' ');
    const joined = left + right;
    mergeList.push(best);
    if (!(joined in vocab)) vocab[joined] = Object.keys(vocab).length;
    for (const word of words) {
      const next: string[] = [];
      for (let i = 0; i < word.symbols.length; i++) {
        if (i + 1 < word.symbols.length && word.symbols[i] === left && word.symbols[i + 1] === right) {
          next.push(joined);
          i++;
        } else next.push(word.symbols[i]);
      }
      word.symbols = next;
    }
  }
  const bos = SPECIAL_TOKENS[0];
  const tokenizerJson = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL_TOKENS.map((content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: bos, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [{ SpecialToken: { id: bos, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: bos, type_id: 1 } }, { Sequence: { id: 'B', type_id: 1 } }],
      special_tokens: { [bos]: { id: bos, ids: [0], tokens: [bos] } },
    },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab, merges: mergeList },
  };
  const tokenizerConfig = {
    bos_token: bos,
    eos_token: '<|eot_id|>',
    pad_token: '<|end_of_text|>',
    clean_up_tokenization_spaces: true,
    model_max_length: 2048,
    tokenizer_class: 'PreTrainedTokenizerFast',
    chat_template: CHAT_TEMPLATE,
    added_tokens_decoder: Object.fromEntries(SPECIAL_TOKENS.map((content, id) => [String(id), { content, lstrip: false, normalized: false, rstrip: false, single_word: false, special: true }])),
  };
  return { tokenizerJson, tokenizerConfig, vocabSize: Object.keys(vocab).length };
}
