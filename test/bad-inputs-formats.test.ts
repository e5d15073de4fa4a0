import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeNpy, encodeSafetensors } from '../src/embedding/index.ts';
import { cultune } from './helpers/in-process.ts';
import { makeGround, removeGround, runBadCase, Work, type BadCase, type Ground } from './helpers/bad-inputs.ts';

/**
 * Bad files and flags for the commands that read user files without training: targets (targets CSV and
 * JSON), score (prompts JSON Lines, soft prompts as .npy, .json and PEFT safetensors, model folders),
 * vsm13 and culturalbench. Each row: one line on stderr naming the problem, a non-zero exit, nothing
 * written or changed (see helpers/bad-inputs.ts).
 */

const HIDDEN = 64;
const CB_FIXTURES = path.join(import.meta.dirname, 'fixtures', 'culturalbench');

let ground: Ground;
beforeAll(() => {
  ground = makeGround('bad-formats');
});
afterAll(() => removeGround(ground));

/** A [k, HIDDEN] soft prompt of small values, with `poison` put at [1, 5] (k >= 2). */
function promptValues(k: number, poison?: number): Float32Array {
  if (poison !== undefined && k < 2) throw new Error('the poisoned value sits in row 1');
  const data = Float32Array.from({ length: k * HIDDEN }, (_, i) => ((i % 7) - 3) / 100);
  if (poison !== undefined) data[HIDDEN + 5] = poison;
  return data;
}

const safetensors = (data: Float32Array, k: number, dtype: 'F32' | 'F16' = 'F32', name = 'prompt_embeddings') =>
  encodeSafetensors({ [name]: { dtype, shape: [k, HIDDEN], data } }, { format: 'pt' });

/** A safetensors file with a hand-written header (for headers the encoder would never write). */
function rawSafetensors(header: unknown, data: Uint8Array): Uint8Array {
  const json = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([length, json, data]);
}

/** An .npy file with a hand-written header dict. */
function rawNpy(header: string, data: Uint8Array): Uint8Array {
  const padded = `${header}${' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64)}\n`;
  const head = Buffer.alloc(10);
  Buffer.from([0x93, ...Buffer.from('NUMPY'), 1, 0]).copy(head);
  head.writeUInt16LE(padded.length, 8);
  return Buffer.concat([head, Buffer.from(padded), data]);
}

const OK_RECORD = '{"id": 1, "prompt": "How important is leisure time?", "options": [" 1", " 2"]}\n';

/** `cultune score` on a prompts file holding `text`. */
const scoreInput = (text: string | Uint8Array, ...extra: string[]) => (w: Work) => [
  'score', '--model', ground.model, '--device', 'cpu', '--input', w.file('prompts.jsonl', text), ...extra,
];

/** `cultune score` with a soft prompt file named `name` holding `content`. */
const scoreSoft = (name: string, content: string | Uint8Array) => (w: Work) => [
  'score', '--model', ground.model, '--device', 'cpu', '--input', w.file('prompts.jsonl', OK_RECORD), '--soft-prompt', w.file(name, content),
];

const targets = (name: string, content: string | Uint8Array) => (w: Work) => ['targets', '--country', 'JP', '--targets', w.file(name, content)];

const TARGET_CASES: BadCase[] = [
  { name: 'unknown country', args: () => ['targets', '--country', 'Atlantis'], error: /Atlantis/ },
  { name: 'targets file missing', args: (w) => ['targets', '--country', 'JP', '--targets', w.path('none.csv')], error: /cannot read .*none\.csv: no such file/ },
  { name: 'targets file is a folder', args: (w) => ['targets', '--country', 'JP', '--targets', w.dir], error: /is a folder, not a file/ },
  { name: 'CSV hexadecimal value 0x5F', args: targets('t.csv', 'country,PDI\nJapan,0x5F\n'), error: /t\.csv:2: PDI "0x5F" is not a decimal number/ },
  { name: 'CSV binary literal 0b11', args: targets('t.csv', 'country,IDV\nJapan,0b11\n'), error: /IDV "0b11" is not a decimal number/ },
  { name: 'CSV octal literal 0o17', args: targets('t.csv', 'country,MAS\nJapan,0o17\n'), error: /MAS "0o17" is not a decimal number/ },
  { name: 'CSV Infinity', args: targets('t.csv', 'country,UAI\nJapan,Infinity\n'), error: /UAI "Infinity" is not a decimal number/ },
  { name: 'CSV digit separators 1_000', args: targets('t.csv', 'country,LTO\nJapan,1_000\n'), error: /LTO "1_000" is not a decimal number/ },
  { name: 'CSV word for a number', args: targets('t.csv', 'country,IVR\nJapan,high\n'), error: /IVR "high" is not a decimal number/ },
  { name: 'CSV overflowing number 1e400', args: targets('t.csv', 'country,PDI\nJapan,1e400\n'), error: /PDI "1e400" is not a decimal number/ },
  { name: 'CSV unknown column', args: targets('t.csv', 'country,XYZ\nJapan,1\n'), error: /unknown column "XYZ"/ },
  { name: 'CSV column given twice', args: targets('t.csv', 'country,PDI,pdi\nJapan,1,2\n'), error: /PDI is given twice/ },
  { name: 'CSV without a country column', args: targets('t.csv', 'PDI,IDV\n1,2\n'), error: /no "country" column/ },
  { name: 'CSV row without a country', args: targets('t.csv', 'country,PDI\n,40\n'), error: /t\.csv:2: no country/ },
  { name: 'CSV with an unclosed quote', args: targets('t.csv', 'country,PDI\n"Japan,40\n'), error: /not valid CSV/ },
  { name: 'CSV invalid UTF-8', args: targets('t.csv', Buffer.concat([Buffer.from('country,PDI\nJap'), Buffer.from([0xff, 0xfe]), Buffer.from('n,40\n')])), error: /t\.csv line 2: not valid UTF-8 \(byte 15\)/ },
  { name: 'JSON not valid', args: targets('t.json', '{"country": "Japan", "PDI": }'), error: /t\.json:1: not valid JSON/ },
  { name: 'JSON entry not an object', args: targets('t.json', '[{"country": "Japan"}, 5]'), error: /entry 2 is not an object/ },
  { name: 'JSON value as a string', args: targets('t.json', '{"country": "Japan", "PDI": "54"}'), error: /PDI "54" is not a number/ },
  { name: 'JSON unknown key', args: targets('t.json', '{"country": "Japan", "power": 54}'), error: /unknown key "power"/ },
  { name: 'JSON without a country', args: targets('t.json', '{"PDI": 54}'), error: /entry has no "country"/ },
  { name: 'JSON country not a string', args: targets('t.json', '{"country": 7, "PDI": 54}'), error: /country must be a non-empty string/ },
  { name: 'JSON invalid UTF-8', args: targets('t.json', Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d])), error: /not valid UTF-8 \(byte 2\)/ },
  { name: '--target hexadecimal value', args: () => ['targets', '--country', 'JP', '--target', 'PDI=0x5F'], error: /--target: "0x5F" for PDI is not a decimal number/ },
  { name: '--target unknown dimension', args: () => ['targets', '--country', 'JP', '--target', 'XYZ=1'], error: /"XYZ=1" is not NAME=NUMBER/ },
  { name: '--target dimension twice', args: () => ['targets', '--country', 'JP', '--target', 'PDI=1,PDI=2'], error: /PDI is given twice/ },
  { name: '--target empty value', args: () => ['targets', '--country', 'JP', '--target', 'PDI='], error: /"PDI=" is not NAME=NUMBER/ },
  { name: '--targets without --country', args: (w) => ['targets', '--targets', w.file('t.csv', 'country,PDI\nJapan,1\n')], error: /--targets and --target need --country/ },
  { name: '--json into a folder', args: (w) => ['targets', '--country', 'JP', '--json', w.dir], error: /cannot write .*: is a folder, not a file/ },
  { name: '--json below a file', args: (w) => ['targets', '--country', 'JP', '--json', path.join(w.file('plain', 'x'), 'out.json')], error: /plain is a file, not a folder/ },
  { name: '--fallback unknown', args: () => ['targets', '--country', 'JP', '--fallback', 'world'], error: /argument 'world' is invalid/ },
];

const SCORE_CASES: BadCase[] = [
  { name: 'prompts file missing', args: (w) => ['score', '--model', ground.model, '--input', w.path('none.jsonl')], error: /cannot read .*none\.jsonl: no such file or folder/ },
  { name: 'prompts file is a folder', args: (w) => ['score', '--model', ground.model, '--input', w.dir], error: /is a folder, not a file/ },
  { name: 'prompts line not JSON', args: scoreInput(`${OK_RECORD}not json\n`), error: /prompts\.jsonl line 2: not valid JSON/ },
  { name: 'prompts line is an array', args: scoreInput('[1, 2]\n'), error: /line 1: expected a JSON object/ },
  { name: 'prompts file empty', args: scoreInput('\n\n'), error: /holds no records/ },
  { name: 'prompts invalid UTF-8', args: scoreInput(Buffer.concat([Buffer.from(OK_RECORD), Buffer.from('{"prompt": "caf'), Buffer.from([0xe9]), Buffer.from('", "options": ["a"]}\n')])), error: new RegExp(`prompts\\.jsonl line 2: not valid UTF-8 \\(byte ${Buffer.byteLength(OK_RECORD) + 15}\\)`) },
  { name: 'prompts overlong UTF-8 encoding', args: scoreInput(Buffer.concat([Buffer.from('{"prompt": "'), Buffer.from([0xc0, 0xaf]), Buffer.from('", "options": ["a"]}\n')])), error: /line 1: not valid UTF-8 \(byte 12\)/ },
  { name: 'prompts truncated multi-byte character', args: scoreInput(Buffer.concat([Buffer.from(OK_RECORD), Buffer.from([0xe2, 0x82])])), error: /line 2: not valid UTF-8/ },
  { name: 'neither prompt nor ids', args: scoreInput('{"options": ["a"]}\n'), error: /line 1: needs "prompt" \(text\) or "ids"/ },
  { name: 'prompt not text', args: scoreInput('{"prompt": 5, "options": ["a"]}\n'), error: /line 1: "prompt" must be text/ },
  { name: 'negative token id', args: scoreInput('{"ids": [1, -5], "option_ids": [3]}\n'), error: /line 1: "ids" entry 1 is -5, not a token id/ },
  { name: 'fractional token id', args: scoreInput('{"ids": [1, 2.5], "option_ids": [3]}\n'), error: /"ids" entry 1 is 2\.5, not a token id/ },
  { name: 'token id as a string', args: scoreInput('{"ids": ["7"], "option_ids": [3]}\n'), error: /"ids" entry 0 is "7", not a token id/ },
  { name: 'empty ids', args: scoreInput('{"ids": [], "option_ids": [3]}\n'), error: /"ids" must be a non-empty list of token ids/ },
  { name: 'ids not a list', args: scoreInput('{"ids": 7, "option_ids": [3]}\n'), error: /"ids" must be a non-empty list/ },
  { name: 'token id outside the vocabulary', args: scoreInput('{"ids": [1, 99999], "option_ids": [3]}\n'), error: /prompts\.jsonl line 1: token id 99999 is outside the model's vocabulary \(0 to 660\)/ },
  { name: 'option id outside the vocabulary', args: scoreInput(`${OK_RECORD}{"ids": [1, 2], "option_ids": [3, 661]}\n`), error: /line 2: option token id 661 is outside the model's vocabulary/ },
  { name: 'negative option id', args: scoreInput('{"ids": [1], "option_ids": [-1]}\n'), error: /"option_ids" entry 0 is -1/ },
  { name: 'no options', args: scoreInput('{"prompt": "x"}\n'), error: /line 1: needs "options"/ },
  { name: 'options empty', args: scoreInput('{"prompt": "x", "options": []}\n'), error: /"options" must be a non-empty list of strings/ },
  { name: 'options not strings', args: scoreInput('{"prompt": "x", "options": ["a", 2]}\n'), error: /"options" must be a non-empty list of strings/ },
  { name: 'option that tokenises to nothing', args: scoreInput('{"prompt": "x", "options": ["a", ""]}\n'), error: /option 1 tokenises to nothing/ },
  { name: 'ids longer than max_position_embeddings', args: scoreInput(`{"ids": [${new Array(1100).fill(5).join(',')}], "option_ids": [3]}\n`), error: /line 1: 1100 prompt tokens need 1100 positions; the model takes at most 1024 \(max_position_embeddings\)/ },
  { name: 'text prompt longer than max_position_embeddings', args: scoreInput(`{"prompt": "${'power distance '.repeat(600)}", "options": [" 1"]}\n`), error: /line 1: \d+ prompt tokens .*need \d+ positions; the model takes at most 1024/ },
  { name: 'long option past max_position_embeddings', args: scoreInput(`{"ids": [${new Array(1020).fill(5).join(',')}], "options": ["${'leisure '.repeat(20)}"]}\n`), error: /1020 prompt tokens \+ \d+ option tokens need \d+ positions/ },
  { name: 'soft prompt pushing past max_position_embeddings', args: (w) => ['score', '--model', ground.model, '--device', 'cpu', '--input', w.file('p.jsonl', `{"ids": [${new Array(1000).fill(5).join(',')}], "option_ids": [3]}\n`), '--soft-prompt', w.file('s.npy', encodeNpy(promptValues(30), [30, HIDDEN]))], error: /1000 prompt tokens \+ 30 soft prompt vectors need 1030 positions/ },
  { name: '--output is a folder', args: (w) => ['score', '--model', ground.model, '--input', w.file('p.jsonl', OK_RECORD), '--output', w.dir], error: /cannot write .*: is a folder, not a file/ },
  { name: '--output below a file', args: (w) => ['score', '--model', ground.model, '--input', w.file('p.jsonl', OK_RECORD), '--output', path.join(w.file('taken', 'x'), 'out.jsonl')], error: /taken is a file, not a folder/ },
  { name: 'model folder missing', args: (w) => ['score', '--model', w.path('nomodel'), '--input', w.file('p.jsonl', OK_RECORD)], error: /model folder .*nomodel does not exist/ },
  { name: 'model folder is a file', args: (w) => ['score', '--model', w.file('model', 'x'), '--input', w.file('p.jsonl', OK_RECORD)], error: /--model .*model is a file, not an ONNX graph or a model folder: pass the folder that holds config\.json/ },
  { name: 'model graph with --model-file', args: (w) => ['score', '--model', w.file('m/model.onnx', 'x'), '--model-file', 'model.onnx', '--input', w.file('p.jsonl', OK_RECORD)], error: /names a graph already: leave out --model-file/ },
  {
    name: 'a PyTorch folder',
    args: (w) => {
      w.file('pt/config.json', fs.readFileSync(path.join(ground.model, 'config.json')));
      return ['score', '--model', path.dirname(w.file('pt/model.safetensors', 'x')), '--input', w.file('p.jsonl', OK_RECORD)];
    },
    error: /holds PyTorch weights: export them to ONNX first, e\.g\. optimum-cli export onnx/,
  },
  { name: 'model folder without config', args: (w) => ['score', '--model', w.path('m'), '--input', w.file('m/p.jsonl', OK_RECORD)], error: /has neither config\.json .* nor genai_config\.json/ },
  { name: 'model config not JSON', args: (w) => ['score', '--model', path.dirname(w.file('m/config.json', '{')), '--input', w.file('p.jsonl', OK_RECORD)], error: /cannot read .*config\.json/ },
  { name: 'model config of another architecture', args: (w) => ['score', '--model', path.dirname(w.file('m/config.json', '{"model_type": "bert"}')), '--input', w.file('p.jsonl', OK_RECORD)], error: /model_type "bert"/ },
  {
    name: 'model without tokenizer.json',
    args: (w) => {
      const dir = w.path('m');
      fs.mkdirSync(dir);
      for (const file of ['config.json', 'model.onnx', 'model.onnx_data']) fs.copyFileSync(path.join(ground.model, file), path.join(dir, file));
      return ['score', '--model', dir, '--input', w.file('p.jsonl', OK_RECORD)];
    },
    error: /has no tokenizer\.json/,
  },
  { name: 'unknown device', args: (w) => ['score', '--model', ground.model, '--input', w.file('p.jsonl', OK_RECORD), '--device', 'tpu'], error: /unknown device "tpu"/ },
  { name: 'negative thread count', args: (w) => ['score', '--model', ground.model, '--input', w.file('p.jsonl', OK_RECORD), '--threads', '-1'], error: /expected an integer >= 0, got "-1"/ },
  { name: 'hexadecimal thread count', args: (w) => ['score', '--model', ground.model, '--input', w.file('p.jsonl', OK_RECORD), '--threads', '0x2'], error: /expected an integer >= 0, got "0x2"/ },
  { name: 'unknown placement', args: (w) => ['score', '--model', ground.model, '--input', w.file('p.jsonl', OK_RECORD), '--placement', 'middle'], error: /argument 'middle' is invalid/ },
  { name: 'unknown option', args: (w) => ['score', '--model', ground.model, '--input', w.file('p.jsonl', OK_RECORD), '--fast'], error: /unknown option '--fast'/ },
  { name: 'no --input', args: () => ['score', '--model', ground.model], error: /required option '--input <file>' not specified/ },
  { name: 'unknown command', args: () => ['scores'], error: /unknown command 'scores'/ },
];

const SOFT_PROMPT_CASES: BadCase[] = [
  { name: 'soft prompt missing', args: (w) => ['score', '--model', ground.model, '--device', 'cpu', '--input', w.file('p.jsonl', OK_RECORD), '--soft-prompt', w.path('none.npy')], error: /cannot read .*none\.npy: no such file/ },
  { name: 'PEFT folder without adapter_model.safetensors', args: (w) => ['score', '--model', ground.model, '--device', 'cpu', '--input', w.file('p.jsonl', OK_RECORD), '--soft-prompt', path.dirname(w.file('peft/adapter_config.json', '{}'))], error: /cannot read .*adapter_model\.safetensors: no such file/ },
  { name: 'soft prompt of unknown format', args: scoreSoft('s.txt', '1 2 3'), error: /unknown soft prompt format/ },
  { name: 'npy with NaN', args: scoreSoft('s.npy', encodeNpy(promptValues(2, NaN), [2, HIDDEN])), error: /s\.npy: soft prompt value \[1, 5\] is NaN, not a finite number/ },
  { name: 'npy with Infinity', args: scoreSoft('s.npy', encodeNpy(promptValues(2, Infinity), [2, HIDDEN])), error: /value \[1, 5\] is Infinity/ },
  { name: 'npy float16 with -Infinity', args: scoreSoft('s.npy', encodeNpy(promptValues(2, -Infinity), [2, HIDDEN], '<f2')), error: /value \[1, 5\] is -Infinity/ },
  { name: 'npy float64 overflowing float32', args: scoreSoft('s.npy', rawNpy(`{'descr': '<f8', 'fortran_order': False, 'shape': (1, ${HIDDEN}), }`, Buffer.from(new Float64Array(HIDDEN).fill(1e300).buffer))), error: /value \[0, 0\] is Infinity/ },
  { name: 'npy of the wrong width', args: scoreSoft('s.npy', encodeNpy(new Float32Array(2 * 32), [2, 32])), error: /hidden size 32, the model expects 64/ },
  { name: 'npy three-dimensional', args: scoreSoft('s.npy', encodeNpy(new Float32Array(2 * HIDDEN), [1, 2, HIDDEN])), error: /must have shape \[k, hidden\], got \[1,2,64\]/ },
  { name: 'npy truncated data', args: scoreSoft('s.npy', encodeNpy(promptValues(2), [2, HIDDEN]).subarray(0, 200)), error: /\.npy file is truncated/ },
  { name: 'npy bad magic', args: scoreSoft('s.npy', Buffer.from('PK\x03\x04 not numpy')), error: /not a \.npy file \(bad magic\)/ },
  { name: 'npy in Fortran order', args: scoreSoft('s.npy', rawNpy(`{'descr': '<f4', 'fortran_order': True, 'shape': (1, ${HIDDEN}), }`, new Uint8Array(4 * HIDDEN))), error: /Fortran order/ },
  { name: 'npy of integers', args: scoreSoft('s.npy', rawNpy(`{'descr': '<i4', 'fortran_order': False, 'shape': (1, ${HIDDEN}), }`, new Uint8Array(4 * HIDDEN))), error: /dtype <i4 is not supported/ },
  { name: 'npy big-endian', args: scoreSoft('s.npy', rawNpy(`{'descr': '>f4', 'fortran_order': False, 'shape': (1, ${HIDDEN}), }`, new Uint8Array(4 * HIDDEN))), error: /dtype >f4 is not supported/ },
  { name: 'npy header malformed', args: scoreSoft('s.npy', rawNpy(`{'shape': (1, ${HIDDEN})}`, new Uint8Array(4 * HIDDEN))), error: /\.npy header is malformed/ },
  { name: 'safetensors with Infinity', args: scoreSoft('s.safetensors', safetensors(promptValues(2, Infinity), 2)), error: /adapter_model\.safetensors: soft prompt value \[1, 5\] is Infinity/ },
  { name: 'safetensors float16 with NaN', args: scoreSoft('s.safetensors', safetensors(promptValues(2, NaN), 2, 'F16')), error: /value \[1, 5\] is NaN/ },
  { name: 'safetensors without prompt_embeddings', args: scoreSoft('s.safetensors', safetensors(promptValues(1), 1, 'F32', 'weight')), error: /no 'prompt_embeddings' tensor \(found: weight\)/ },
  { name: 'safetensors truncated before its header', args: scoreSoft('s.safetensors', Buffer.from([1, 2, 3])), error: /safetensors file is truncated: 3 bytes/ },
  { name: 'safetensors truncated in its data', args: scoreSoft('s.safetensors', safetensors(promptValues(2), 2).subarray(0, 300)), error: /safetensors file is truncated/ },
  { name: 'safetensors header not JSON', args: scoreSoft('s.safetensors', Buffer.concat([Buffer.from([4, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('{{{{')])), error: /safetensors header is not valid JSON/ },
  { name: 'safetensors offsets not matching the shape', args: scoreSoft('s.safetensors', rawSafetensors({ prompt_embeddings: { dtype: 'F32', shape: [2, HIDDEN], data_offsets: [0, 12] } }, new Uint8Array(12))), error: /data_offsets \[0,12\] do not match shape \[2,64\]/ },
  { name: 'safetensors of integers', args: scoreSoft('s.safetensors', rawSafetensors({ prompt_embeddings: { dtype: 'I32', shape: [1, HIDDEN], data_offsets: [0, 4 * HIDDEN] } }, new Uint8Array(4 * HIDDEN))), error: /dtype I32; cultune reads F32, F16 and BF16/ },
  { name: 'soft prompt JSON not valid', args: scoreSoft('s.json', '{"shape": [1, 64], "data": ['), error: /soft prompt JSON is not valid JSON/ },
  { name: 'soft prompt JSON with 1e999', args: scoreSoft('s.json', JSON.stringify({ shape: [1, HIDDEN], data: [] }).replace('[]', `[1e999${',0'.repeat(HIDDEN - 1)}]`)), error: /value \[0, 0\] is Infinity/ },
  { name: 'soft prompt JSON with null', args: scoreSoft('s.json', JSON.stringify({ shape: [1, HIDDEN], data: [null, ...new Array(HIDDEN - 1).fill(0)] })), error: /must be \{"shape": \[k, hidden\], "data": \[numbers\]\}/ },
  { name: 'soft prompt JSON with too few values', args: scoreSoft('s.json', JSON.stringify({ shape: [2, HIDDEN], data: new Array(HIDDEN).fill(0) })), error: /64 values for shape \[2, 64\]/ },
  { name: 'soft prompt JSON invalid UTF-8', args: scoreSoft('s.json', Buffer.concat([Buffer.from('{"shape": [1, 64], "x": "'), Buffer.from([0xff]), Buffer.from('"}')])), error: /s\.json line 1: not valid UTF-8/ },
];

const VSM13_CASES: BadCase[] = [
  { name: 'vsm13 zero variants', args: () => ['vsm13', '--model', ground.model, '--variants', '0'], error: /expected an integer >= 1, got "0"/ },
  { name: 'vsm13 more variants than exist', args: () => ['vsm13', '--model', ground.model, '--device', 'cpu', '--variants', '1000'], error: /respondent variants must be an integer from 1 to \d+, got 1000/ },
  { name: 'vsm13 constants file missing', args: (w) => ['vsm13', '--model', ground.model, '--constants', w.path('c.json')], error: /--constants: ".*c\.json" is neither anchored, zero, DIM=NUMBER pairs nor an existing JSON file/ },
  { name: 'vsm13 constants not JSON', args: (w) => ['vsm13', '--model', ground.model, '--constants', w.file('c.json', '{')], error: /c\.json: not valid JSON/ },
  { name: 'vsm13 constants unknown dimension', args: () => ['vsm13', '--model', ground.model, '--constants', 'XYZ=1'], error: /--constants: "XYZ=1" is not NAME=NUMBER/ },
  { name: 'vsm13 constants hexadecimal', args: () => ['vsm13', '--model', ground.model, '--constants', 'PDI=0x10'], error: /--constants: "0x10" for PDI is not a decimal number/ },
  { name: 'vsm13 persona without a country', args: () => ['vsm13', '--model', ground.model, '--persona'], error: /--persona needs --country/ },
  { name: 'vsm13 persona and soft prompt together', args: (w) => ['vsm13', '--model', ground.model, '--persona', '--soft-prompt', w.file('s.npy', 'x')], error: /cannot be used with/ },
  { name: 'vsm13 soft prompt with NaN', args: (w) => ['vsm13', '--model', ground.model, '--device', 'cpu', '--soft-prompt', w.file('s.npy', encodeNpy(promptValues(2, NaN), [2, HIDDEN]))], error: /is NaN, not a finite number/ },
  { name: 'vsm13 soft prompt too long for the model', args: (w) => ['vsm13', '--model', ground.model, '--device', 'cpu', '--variants', '1', '--soft-prompt', w.file('s.npy', encodeNpy(promptValues(900), [900, HIDDEN]))], error: /request \d+: \d+ prompt tokens \+ 900 soft prompt vectors need \d+ positions; the model takes at most 1024/ },
  { name: 'vsm13 --json into a folder', args: (w) => ['vsm13', '--model', ground.model, '--json', w.dir], error: /is a folder, not a file/ },
  { name: 'vsm13 unknown metric', args: () => ['vsm13', '--model', ground.model, '--metric', 'l3'], error: /argument 'l3' is invalid/ },
  { name: 'vsm13 unknown answer reading', args: () => ['vsm13', '--model', ground.model, '--answer', 'mode'], error: /argument 'mode' is invalid/ },
];

/** A --culturalbench-data folder with the small Easy/Hard fixtures, one of them replaced by `easy` or `hard`. */
function cbData(w: Work, replace: { easy?: string | Uint8Array; hard?: string | Uint8Array } = {}): string {
  w.file('cb/CulturalBench-Easy.csv', replace.easy ?? fs.readFileSync(path.join(CB_FIXTURES, 'easy-small.csv')));
  w.file('cb/CulturalBench-Hard.csv', replace.hard ?? fs.readFileSync(path.join(CB_FIXTURES, 'hard-small.csv')));
  return w.path('cb');
}
const cb = (...extra: string[]) => (w: Work) => ['culturalbench', '--model', ground.model, '--device', 'cpu', '--culturalbench-data', cbData(w), '--output', w.path('out', 'cb.json'), ...extra];

const CULTURALBENCH_CASES: BadCase[] = [
  { name: 'culturalbench soft condition without a prompt', args: cb('--condition', 'soft'), error: /--condition soft needs exactly one of --soft-prompt/ },
  { name: 'culturalbench soft prompt without the soft condition', args: (w) => cb('--soft-prompt', w.file('s.npy', 'x'))(w), error: /need --condition soft/ },
  { name: 'culturalbench cross without personas', args: cb('--cross'), error: /--cross needs --condition persona/ },
  { name: 'culturalbench --culturalbench-data missing', args: (w) => ['culturalbench', '--model', ground.model, '--culturalbench-data', w.path('nodata'), '--output', w.path('cb.json')], error: /CulturalBench unavailable from .*nodata: .*has no CulturalBench-Easy\.csv/ },
  // A bad row is set aside, not a failure (test/culturalbench-set-aside.test.ts); an unreadable file is one line.
  { name: 'culturalbench Easy truncated', args: (w) => ['culturalbench', '--model', ground.model, '--culturalbench-data', cbData(w, { easy: fs.readFileSync(path.join(CB_FIXTURES, 'easy-truncated.csv')) }), '--output', w.path('cb.json')], error: /CulturalBench-Easy\.csv/ },
  { name: 'culturalbench Easy invalid UTF-8', args: (w) => ['culturalbench', '--model', ground.model, '--culturalbench-data', cbData(w, { easy: Buffer.concat([fs.readFileSync(path.join(CB_FIXTURES, 'easy-small.csv')), Buffer.from([0xc3])]) }), '--output', w.path('cb.json')], error: /CulturalBench-Easy\.csv line \d+: not valid UTF-8/ },
  { name: 'culturalbench unknown country', args: cb('--country', 'Atlantis'), error: /Atlantis/ },
  { name: 'culturalbench --output is a folder', args: (w) => [...cb()(w).slice(0, -2), '--output', w.dir], error: /is a folder, not a file/ },
  { name: 'culturalbench soft prompt folder missing', args: (w) => cb('--condition', 'soft', '--soft-prompt-dir', w.path('prompts'))(w), error: /soft prompt folder .*prompts does not exist/ },
  { name: 'culturalbench soft prompt for no country', args: (w) => cb('--condition', 'soft', '--soft-prompt-dir', path.dirname(w.file('prompts/Atlantis.npy', encodeNpy(promptValues(1), [1, HIDDEN]))))(w), error: /"Atlantis" is not a CulturalBench country/ },
  { name: 'culturalbench soft prompt with NaN', args: (w) => cb('--condition', 'soft', '--soft-prompt', w.file('s.npy', encodeNpy(promptValues(2, NaN), [2, HIDDEN])))(w), error: /value \[1, 5\] is NaN, not a finite number/ },
  { name: 'culturalbench zero limit', args: cb('--limit', '0'), error: /expected an integer >= 1, got "0"/ },
  { name: 'culturalbench zero bootstrap', args: cb('--bootstrap', '0'), error: /expected an integer >= 1, got "0"/ },
];

describe('bad inputs: targets files and flags', () => {
  it.each(TARGET_CASES.map((row) => [row.name, row] as const))('%s', async (_name, row) => {
    await runBadCase(ground, row);
  });

  it('a UTF-8 byte-order mark is accepted and dropped, in CSV and JSON alike', async () => {
    const work = new Work(ground);
    const plain = await cultune(['targets', '--country', 'JP', '--targets', work.file('t.csv', 'country,PDI\nJapan,40\n'), '--json'], ground.env);
    const csv = await cultune(['targets', '--country', 'JP', '--targets', work.file('bom.csv', '\uFEFFcountry,PDI\nJapan,40\n'), '--json'], ground.env);
    const json = await cultune(['targets', '--country', 'JP', '--targets', work.file('bom.json', '\uFEFF{"country": "Japan", "PDI": 40}'), '--json'], ground.env);
    for (const result of [plain, csv, json]) expect(result.code, result.stderr).toBe(0);
    const pdi = (out: string) => JSON.parse(out).values.PDI.value;
    expect([pdi(plain.stdout), pdi(csv.stdout), pdi(json.stdout)]).toEqual([40, 40, 40]);
  });
});

describe('bad inputs: score (prompts JSON Lines, model folders, flags)', () => {
  it.each(SCORE_CASES.map((row) => [row.name, row] as const))('%s', async (_name, row) => {
    await runBadCase(ground, row);
  });

  it('a prompts file with a UTF-8 byte-order mark scores like the same file without', async () => {
    const work = new Work(ground);
    const run = (file: string) => cultune(['score', '--model', ground.model, '--device', 'cpu', '--input', file], ground.env);
    const plain = await run(work.file('plain.jsonl', OK_RECORD));
    const bom = await run(work.file('bom.jsonl', `\uFEFF${OK_RECORD}`));
    expect(bom.code, bom.stderr).toBe(0);
    expect(bom.stdout).toBe(plain.stdout);
    expect(JSON.parse(bom.stdout).logprobs.every(Number.isFinite)).toBe(true);
  });

  it('a failed score leaves an earlier --output byte for byte', async () => {
    const work = new Work(ground);
    const output = work.path('out.jsonl');
    const good = await cultune(['score', '--model', ground.model, '--device', 'cpu', '--input', work.file('p.jsonl', OK_RECORD), '--output', output], ground.env);
    expect(good.code, good.stderr).toBe(0);
    await runBadCase(ground, { name: 'overwrite', args: () => ['score', '--model', ground.model, '--device', 'cpu', '--input', work.file('q.jsonl', '{"ids": [1], "option_ids": [999]}\n'), '--output', output], error: /option token id 999/ });
    expect(JSON.parse(fs.readFileSync(output, 'utf8')).id).toBe(1);
  });
});

describe('bad inputs: soft prompt files (.npy, .json, PEFT safetensors)', () => {
  it.each(SOFT_PROMPT_CASES.map((row) => [row.name, row] as const))('%s', async (_name, row) => {
    await runBadCase(ground, row);
  });
});

describe('bad inputs: vsm13', () => {
  it.each(VSM13_CASES.map((row) => [row.name, row] as const))('%s', async (_name, row) => {
    await runBadCase(ground, row);
  });
});

describe('bad inputs: culturalbench', () => {
  it.each(CULTURALBENCH_CASES.map((row) => [row.name, row] as const))('%s', async (_name, row) => {
    await runBadCase(ground, row);
  });
});

export const FORMAT_CASE_COUNT = TARGET_CASES.length + SCORE_CASES.length + SOFT_PROMPT_CASES.length + VSM13_CASES.length + CULTURALBENCH_CASES.length;
