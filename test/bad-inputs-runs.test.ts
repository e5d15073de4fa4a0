import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeSoftPromptJson } from '../src/embedding/index.ts';
import { cultune } from './helpers/in-process.ts';
import { FIXTURES } from './helpers/paths.ts';
import { makeGround, removeGround, problemLines, runBadCase, smallTrainArgs, trainBase, Work, type BadCase, type Ground } from './helpers/bad-inputs.ts';

/**
 * Bad inputs for the commands that make and read run folders: train, sweep, eval, export, report and
 * demo, and damaged run folders, checkpoints and locks. Each row: one line on stderr naming the problem,
 * a non-zero exit, and the case's folder exactly as before (no run folder half-made, an earlier run,
 * checkpoint and export byte for byte intact).
 */

let ground: Ground;
/** A finished run (k 2, budget 8) with eval-none.json, trained once; cases work on copies. */
let finished: string;
/** Another process that stays alive: the holder of a lock that must be respected. */
let sleeper: ChildProcess;

const trainArgs = (out: string, ...extra: string[]) => smallTrainArgs(ground, out, ...extra);

beforeAll(async () => {
  ground = makeGround('bad-runs');
  finished = await trainBase(ground);
  const evaluated = await cultune(['eval', finished, '--baseline', 'none', '--device', 'cpu', '--no-download', '--bootstrap', '20'], ground.env);
  expect(evaluated.code, evaluated.stderr).toBe(0);
  sleeper = spawn('sleep', ['600'], { stdio: 'ignore' });
});
afterAll(() => {
  sleeper?.kill();
  removeGround(ground);
});

/** A copy of the finished run in the case folder, changed by `edit` (which gets the copy's folder). */
function runCopy(w: Work, edit: (dir: string) => void = () => {}): string {
  const dir = w.copy(finished, 'run');
  edit(dir);
  return dir;
}

const editJson = (file: string, change: (value: Record<string, any>) => void) => {
  const value = JSON.parse(fs.readFileSync(file, 'utf8'));
  change(value);
  fs.writeFileSync(file, JSON.stringify(value));
};
const remove = (...files: string[]) => (dir: string) => files.forEach((f) => fs.rmSync(path.join(dir, f)));
/** The finished run turned back into an unfinished one: its checkpoint is kept, its result removed. */
const unfinished = remove('result.json');

/** train with the copied run folder as --out/--name run and extra flags. */
const resume = (edit: (dir: string) => void, ...extra: string[]) => (w: Work) => {
  runCopy(w, edit);
  return trainArgs(w.dir, ...extra);
};

/** Two runs ended alike: the same best candidate, losses per generation and best prompt (timings aside). */
function sameResult(a: string, b: string): boolean {
  const read = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, 'result.json'), 'utf8'));
  const [x, y] = [read(a), read(b)];
  const losses = (r: { history: { bestLoss: number; medianLoss: number }[] }) => r.history.map((h) => [h.bestLoss, h.medianLoss]);
  const prompts = fs.readFileSync(path.join(a, 'prompt.json')).equals(fs.readFileSync(path.join(b, 'prompt.json')));
  return prompts && JSON.stringify([x.best, losses(x)]) === JSON.stringify([y.best, losses(y)]);
}

function processStart(pid: number): string {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
}

const TRAIN_CASES: BadCase[] = [
  { name: 'train without a country', args: (w) => trainArgs(w.dir).filter((a) => a !== '--country' && a !== 'JP'), error: /train needs --country/ },
  { name: 'train unknown country', args: (w) => trainArgs(w.dir, '--country', 'Atlantis'), error: /Atlantis/ },
  { name: 'train partial target', args: (w) => trainArgs(w.dir, '--country', 'Albania'), error: /Albania.*--allow-partial-target/ },
  { name: 'train --k 0', args: (w) => trainArgs(w.dir, '--k', '0'), error: /option '--k <n>' argument '0' is invalid\. expected an integer >= 1/ },
  { name: 'train --k not a number', args: (w) => trainArgs(w.dir, '--k', 'ten'), error: /argument 'ten' is invalid/ },
  { name: 'train --k hexadecimal', args: (w) => trainArgs(w.dir, '--k', '0x10'), error: /argument '0x10' is invalid/ },
  { name: 'train --k with an exponent', args: (w) => trainArgs(w.dir, '--k', '1e1'), error: /argument '1e1' is invalid/ },
  { name: 'train --k fractional', args: (w) => trainArgs(w.dir, '--k', '1.5'), error: /argument '1\.5' is invalid/ },
  { name: 'train --k beyond max_position_embeddings', args: (w) => trainArgs(w.dir, '--k', '900'), error: /--k 900: the longest VSM 2013 prompt takes \d+ positions, so a candidate needs \d+; the model takes at most 1024 \(max_position_embeddings\); use --k \d+ or less/ },
  { name: 'train --pop below 4', args: (w) => trainArgs(w.dir, '--pop', '3'), error: /argument '3' is invalid\. expected an integer >= 4/ },
  { name: 'train --budget 0', args: (w) => trainArgs(w.dir, '--budget', '0'), error: /argument '0' is invalid/ },
  { name: 'train budget below one generation', args: (w) => trainArgs(w.dir, '--budget', '3'), error: /--budget 3 is less than one generation \(--pop 4\), so nothing would be evaluated/ },
  { name: 'train unknown strategy', args: (w) => trainArgs(w.dir, '--strategy', 'best'), error: /unknown DE strategy 'best'/ },
  { name: 'train unknown crossover', args: (w) => trainArgs(w.dir, '--strategy', 'rand/1/uni'), error: /unknown DE strategy 'rand\/1\/uni'/ },
  { name: 'train strategy needing a larger population', args: (w) => trainArgs(w.dir, '--strategy', 'rand/2/bin'), error: /strategy rand\/2\/bin needs popSize >= 6, got 4/ },
  { name: 'train --variants 0', args: (w) => trainArgs(w.dir, '--variants', '0'), error: /--variants: expected an integer >= 1, got "0"/ },
  { name: 'train more variants than exist', args: (w) => trainArgs(w.dir, '--variants', '500'), error: /--variants: the number of respondent variants must be an integer from 1 to \d+, got 500/ },
  { name: 'train --dim 0', args: (w) => trainArgs(w.dir, '--dim', '0'), error: /argument '0' is invalid/ },
  { name: 'train --dim beyond the soft prompt', args: (w) => trainArgs(w.dir, '--dim', '100000'), error: /--dim 100000 exceeds the soft prompt's own size \(--k 2 x hidden 64 = 128\)/ },
  { name: 'train search too large for memory', args: (w) => trainArgs(w.dir, '--space', 'full', '--k', '700', '--pop', '200000', '--budget', '200000'), error: /the search would take \d+\.\d GiB of memory/ },
  { name: 'train unknown space', args: (w) => trainArgs(w.dir, '--space', 'half'), error: /argument 'half' is invalid/ },
  { name: 'train unknown init', args: (w) => trainArgs(w.dir, '--init', 'zeros'), error: /argument 'zeros' is invalid/ },
  { name: 'train unknown placement', args: (w) => trainArgs(w.dir, '--placement', 'end'), error: /argument 'end' is invalid/ },
  { name: 'train negative seed', args: (w) => trainArgs(w.dir, '--seed', '-1'), error: /argument '-1' is invalid/ },
  { name: 'train --generations 0', args: (w) => trainArgs(w.dir, '--generations', '0'), error: /argument '0' is invalid/ },
  { name: 'train --stagnation 0', args: (w) => trainArgs(w.dir, '--stagnation', '0'), error: /argument '0' is invalid/ },
  { name: 'train targets file missing', args: (w) => trainArgs(w.dir, '--targets', w.path('t.csv')), error: /cannot read .*t\.csv: no such file/ },
  { name: 'train --target hexadecimal', args: (w) => trainArgs(w.dir, '--target', 'PDI=0x5F'), error: /"0x5F" for PDI is not a decimal number/ },
  { name: 'train --name escaping --out', args: (w) => trainArgs(w.path('runs'), '--name', '../../x'), error: /--name "\.\.\/\.\.\/x" is not a plain folder name/ },
  { name: 'train --name with a folder', args: (w) => trainArgs(w.dir, '--name', 'a/b'), error: /--name "a\/b" is not a plain folder name/ },
  { name: 'train --name ..', args: (w) => trainArgs(w.dir, '--name', '..'), error: /--name "\.\." is not a plain folder name/ },
  { name: 'train --name empty', args: (w) => trainArgs(w.dir, '--name', ''), error: /--name "" is not a plain folder name/ },
  { name: 'train --out is a file', args: (w) => trainArgs(w.file('out', 'x')), error: /cannot create the folder .*out(\/run)?: .*out is a file, not a folder/ },
  { name: 'train --out below a file', args: (w) => trainArgs(path.join(w.file('out', 'x'), 'deeper')), error: /out is a file, not a folder/ },
  { name: 'train into a finished run without --resume', args: resume(() => {}), error: /run already holds a run; add --resume to continue it/ },
  { name: 'train into an unfinished run without --resume', args: resume(unfinished), error: /already holds a run; add --resume/ },
  { name: 'resume with another country', args: resume(unfinished, '--resume', '--country', 'DE'), error: /holds another run \(country Japan there, Germany asked; target PDI 54 there, 35 asked/ },
  { name: 'resume with another k', args: resume(unfinished, '--resume', '--k', '3'), error: /holds another run \(k 2 there, 3 asked\)/ },
  { name: 'resume with a larger budget', args: resume(unfinished, '--resume', '--budget', '12'), error: /holds another run \(budget 8 there, 12 asked: add --extend-budget to raise it\)/ },
  { name: 'resume a finished run with a larger budget', args: resume(() => {}, '--resume', '--budget', '12'), error: /budget 8 there, 12 asked: add --extend-budget/ },
  { name: 'resume with a smaller budget', args: resume(unfinished, '--resume', '--budget', '4'), error: /holds another run \(budget 8 there, 4 asked\)/ },
  { name: 'extend to a smaller budget', args: resume(unfinished, '--resume', '--budget', '4', '--extend-budget'), error: /budget 8 there, 4 asked\)/ },
  { name: 'train --format unknown', args: (w) => trainArgs(w.dir, '--format', 'essay'), error: /argument 'essay' is invalid\. Allowed choices are classify, cot, scenario/ },
  { name: 'train --max-new-tokens 0', args: (w) => trainArgs(w.dir, '--format', 'cot', '--max-new-tokens', '0'), error: /option '--max-new-tokens <n>' argument '0' is invalid\. expected an integer from 1 to 32768/ },
  { name: 'train --max-new-tokens not a number', args: (w) => trainArgs(w.dir, '--format', 'cot', '--max-new-tokens', 'many'), error: /argument 'many' is invalid/ },
  { name: 'train --max-new-tokens with classify', args: (w) => trainArgs(w.dir, '--max-new-tokens', '8'), error: /--max-new-tokens needs a format that generates text \(cot, scenario\), not classify/ },
  { name: 'train --format cot on the flat plan', args: (w) => trainArgs(w.dir, '--format', 'cot', '--plan', 'flat'), error: /generating text needs the tree plan's graph with its KV cache; this model runs the flat plan: add --plan tree/ },
  { name: 'train --format cot on an export without a KV cache', args: (w) => trainArgs(w.dir, '--format', 'cot', '--model', path.join(FIXTURES, 'llama-f32-inline')), error: /generating text needs a graph with a KV cache; this export has no past_key_values inputs/ },
  { name: 'train --max-new-tokens past the model\'s positions', args: (w) => trainArgs(w.dir, '--format', 'cot', '--max-new-tokens', '1000'), error: /--k 2: the longest VSM 2013 prompt with 1000 generated tokens takes \d+ positions, so a candidate needs \d+; the model takes at most 1024 \(max_position_embeddings\); use a smaller --max-new-tokens/ },
  { name: 'resume with another --init-text', args: resume(unfinished, '--resume', '--init-text', 'You are a person from Kyoto.'), error: /holds another run \(init text "You are a person from Japan\." there, "You are a person from Kyoto\." asked\)/ },
  { name: 'resume with another format', args: resume(unfinished, '--resume', '--format', 'cot'), error: /holds another run \(format classify there, cot \(64 new tokens\) asked\)/ },
  { name: 'resume with another seed', args: resume(unfinished, '--resume', '--seed', '4'), error: /seed 3 there, 4 asked/ },
  { name: 'resume with another target value', args: resume(unfinished, '--resume', '--target', 'PDI=60'), error: /target PDI 54 there, 60 asked/ },
  { name: 'resume with another strategy', args: resume(unfinished, '--resume', '--strategy', 'jade'), error: /strategy shade there, jade asked/ },
  { name: 'resume with other variants', args: resume(unfinished, '--resume', '--variants', '2'), error: /variants 1 there, 2 asked/ },
  { name: 'resume with another placement', args: resume(unfinished, '--resume', '--placement', 'after-bos'), error: /placement start there, after-bos asked/ },
  { name: 'run.json deleted, checkpoint kept', args: resume(remove('run.json', 'result.json'), '--resume', '--k', '5'), error: /run holds checkpoint\.json but no run\.json, so its settings are unknown/ },
  { name: 'run.json deleted, result kept', args: resume(remove('run.json')), error: /run holds result\.json but no run\.json/ },
  { name: 'run.json deleted, only the prompt kept', args: resume(remove('run.json', 'result.json', 'checkpoint.json')), error: /run holds prompt\.json but no run\.json/ },
  { name: 'run.json not JSON', args: resume((d) => fs.writeFileSync(path.join(d, 'run.json'), '{"country": '), '--resume'), error: /run\.json: not valid JSON/ },
  { name: 'run.json not an object', args: resume((d) => fs.writeFileSync(path.join(d, 'run.json'), '[]'), '--resume'), error: /run\.json: not a cultune run file \(no instrument\)/ },
  { name: 'run.json without search settings', args: resume((d) => editJson(path.join(d, 'run.json'), (r) => delete r.search), '--resume'), error: /not a cultune run file \(no search settings\)/ },
  { name: 'run.json invalid UTF-8', args: resume((d) => fs.appendFileSync(path.join(d, 'run.json'), Buffer.from([0xff])), '--resume'), error: /run\.json line \d+: not valid UTF-8/ },
  { name: 'checkpoint not JSON', args: resume((d) => { unfinished(d); fs.writeFileSync(path.join(d, 'checkpoint.json'), '{"generation": 1, "de": {'); }, '--resume'), error: /checkpoint\.json: not valid JSON/ },
  { name: 'checkpoint of another format', args: resume((d) => { unfinished(d); editJson(path.join(d, 'checkpoint.json'), (c) => (c.de.format = 'other')); }, '--resume'), error: /checkpoint\.json is damaged: not a cultune DE checkpoint/ },
  { name: 'checkpoint with a population of the wrong size', args: resume((d) => { unfinished(d); editJson(path.join(d, 'checkpoint.json'), (c) => (c.de.params.popSize = 5)); }, '--resume'), error: /checkpoint\.json is damaged: DE checkpoint is inconsistent/ },
  { name: 'resume on another model', args: resume((d) => { unfinished(d); editJson(path.join(d, 'run.json'), (r) => (r.model.sourceHash = 'f'.repeat(64))); }, '--resume'), error: /the run was trained on another model \(graph hash ffffffffffff\)/ },
  {
    name: 'run held by a live process',
    args: resume((d) => { unfinished(d); fs.writeFileSync(path.join(d, '.lock'), JSON.stringify({ pid: sleeper.pid, start: processStart(sleeper.pid!) })); }, '--resume'),
    error: /run is in use by another cultune run \(pid \d+\); wait for it or use another --out/,
  },
  {
    name: 'run held by a live process (lock of an earlier version: a bare pid)',
    args: resume((d) => { unfinished(d); fs.writeFileSync(path.join(d, '.lock'), String(sleeper.pid)); }, '--resume'),
    error: /is in use by another cultune run/,
  },
];

const SWEEP_CASES: BadCase[] = [
  { name: 'sweep without countries', args: (w) => ['sweep', '--model', ground.model, '--countries', '', '--out', w.dir], error: /--countries needs at least one country/ },
  { name: 'sweep with blank countries', args: (w) => ['sweep', '--model', ground.model, '--countries', ' , ,', '--out', w.dir], error: /--countries needs at least one country/ },
  { name: 'sweep with an unknown country', args: (w) => ['sweep', '--model', ground.model, '--countries', 'JP,Atlantis', '--out', w.dir], error: /Atlantis/ },
  { name: 'sweep naming one country twice', args: (w) => ['sweep', '--model', ground.model, '--countries', 'JP,Japan', '--out', w.dir], error: /JP and Japan are the same country/ },
  { name: 'sweep budget below one generation', args: (w) => ['sweep', '--model', ground.model, '--countries', 'JP', '--pop', '10', '--budget', '5', '--out', w.dir], error: /--budget 5 is less than one generation/ },
  { name: 'sweep unknown strategy', args: (w) => ['sweep', '--model', ground.model, '--countries', 'JP', '--strategy', 'fast', '--out', w.dir], error: /unknown DE strategy 'fast'/ },
  { name: 'sweep --out is a file', args: (w) => ['sweep', '--model', ground.model, '--countries', 'JP', '--out', w.file('out', 'x')], error: /out is a file, not a folder/ },
  { name: 'sweep over a folder with another run', args: (w) => { w.copy(finished, 'JP-s1'); return ['sweep', '--model', ground.model, '--countries', 'JP', '--out', w.dir]; }, error: /JP-s1 holds another run \(k 2 there, 10 asked; .*budget 8 there, 4000 asked/ },
  { name: 'sweep over a folder with a checkpoint but no run.json', args: (w) => { w.copy(finished, 'JP-s1'); fs.rmSync(w.path('JP-s1', 'run.json')); return ['sweep', '--model', ground.model, '--countries', 'JP', '--out', w.dir]; }, error: /JP-s1 holds result\.json but no run\.json/ },
  { name: 'sweep --variants 0', args: (w) => ['sweep', '--model', ground.model, '--countries', 'JP', '--variants', '0', '--out', w.dir], error: /--variants: expected an integer >= 1, got "0"/ },
];

const evalArgs = (...args: string[]) => ['eval', ...args, '--device', 'cpu', '--no-download', '--bootstrap', '20'];

const EVAL_CASES: BadCase[] = [
  { name: 'eval without a run or a baseline', args: () => ['eval'], error: /give a run folder \(cultune eval RUN\), or --baseline none\|persona/ },
  { name: 'eval --format unknown', args: (w) => [...evalArgs(runCopy(w, () => {})), '--format', 'essay'], error: /argument 'essay' is invalid\. Allowed choices are classify, cot, scenario/ },
  { name: 'eval of a missing run folder', args: (w) => evalArgs(w.path('none')), error: /none: no such run folder/ },
  { name: 'eval of a folder without run.json', args: (w) => evalArgs(w.dir), error: /not a run folder \(no run\.json/ },
  { name: 'eval with run.json not JSON', args: (w) => evalArgs(runCopy(w, (d) => fs.writeFileSync(path.join(d, 'run.json'), 'nope'))), error: /run\.json: not valid JSON/ },
  { name: 'eval with run.json lacking its target', args: (w) => evalArgs(runCopy(w, (d) => editJson(path.join(d, 'run.json'), (r) => delete r.target))), error: /not a cultune run file \(no target\)/ },
  { name: 'eval of a run with --country', args: (w) => evalArgs(runCopy(w), '--country', 'DE'), error: /--country, --targets and --target are for a baseline without a run folder/ },
  { name: 'eval baseline without a model', args: (w) => evalArgs('--baseline', 'none', '--country', 'JP', '--out', w.dir), error: /a baseline without a run folder needs --model DIR, --country X and --out DIR/ },
  { name: 'eval --out is a file', args: (w) => evalArgs(runCopy(w), '--out', w.file('out', 'x')), error: /cannot create the folder .*out: .*out is a file, not a folder/ },
  { name: 'eval --out below a file', args: (w) => evalArgs(runCopy(w), '--out', path.join(w.file('out', 'x'), 'deeper')), error: /out is a file, not a folder/ },
  { name: 'eval --bootstrap 0', args: (w) => evalArgs(runCopy(w), '--bootstrap', '0'), error: /argument '0' is invalid/ },
  { name: 'eval --limit 0', args: (w) => evalArgs(runCopy(w), '--limit', '0'), error: /argument '0' is invalid/ },
  { name: 'eval --variants not a number', args: (w) => evalArgs(runCopy(w), '--variants', 'four'), error: /--variants: expected an integer >= 1, got "four"/ },
  { name: 'eval unknown baseline', args: (w) => evalArgs(runCopy(w), '--baseline', 'random'), error: /argument 'random' is invalid/ },
  { name: 'eval of a run without prompt.json', args: (w) => evalArgs(runCopy(w, remove('prompt.json'))), error: /cannot read .*prompt\.json: no such file or folder/ },
  { name: 'eval of a prompt with NaN', args: (w) => evalArgs(runCopy(w, (d) => fs.writeFileSync(path.join(d, 'prompt.json'), '{"shape": [2, 64], "data": [' + ['1e999', ...new Array(127).fill(0)].join(',') + ']}'))), error: /prompt\.json: .*soft prompt value \[0, 0\] is Infinity, not a finite number/ },
  { name: 'eval of a prompt of another run', args: (w) => evalArgs(runCopy(w, (d) => fs.writeFileSync(path.join(d, 'prompt.json'), encodeSoftPromptJson({ k: 3, hidden: 64, data: new Float32Array(192) })))), error: /prompt\.json holds 3 vectors but run\.json says k = 2/ },
  { name: 'eval of a checkpoint without history', args: (w) => evalArgs(runCopy(w, (d) => { unfinished(d); editJson(path.join(d, 'checkpoint.json'), (c) => delete c.history); })), error: /checkpoint\.json: no training history/ },
  { name: 'eval of a result not JSON', args: (w) => evalArgs(runCopy(w, (d) => fs.writeFileSync(path.join(d, 'result.json'), '{'))), error: /result\.json: not valid JSON/ },
  { name: 'eval with a missing --model', args: (w) => evalArgs(runCopy(w), '--model', w.path('nomodel')), error: /model folder .*nomodel does not exist/ },
  { name: 'eval programmed without --program', args: (w) => evalArgs(runCopy(w), '--conditions', 'programmed'), error: /--conditions programmed asks with a searched instruction: give its program run with --program DIR/ },
  { name: 'eval --program without a programmed condition', args: (w) => evalArgs(runCopy(w), '--program', w.dir), error: /--program is for the programmed conditions: add --conditions programmed/ },
  { name: 'eval --program of a folder without program.json', args: (w) => evalArgs(runCopy(w), '--conditions', 'programmed', '--program', w.path('none')), error: /none holds no program\.json: give a folder written by cultune program/ },
  { name: 'eval --program of a damaged program.json', args: (w) => evalArgs(runCopy(w), '--conditions', 'programmed', '--program', path.dirname(w.file('p/program.json', '{"definition": {}}'))), error: /program\.json is not a program record \(definition, state or spend missing\)/ },
  {
    name: 'eval --program of an unfinished search',
    args: (w) => {
      const definition = { instrument: { name: 'vsm13', settings: {} }, model: 'h', train: ['Japan'], heldOut: [] };
      w.file('p/program.json', JSON.stringify({ version: 1, definition, state: {}, spend: { search: 0 } }));
      return evalArgs(runCopy(w), '--conditions', 'programmed', '--program', w.path('p'));
    },
    error: /the program search has not finished; continue it with cultune program --resume/,
  },
  { name: 'eval programmed+soft without a run', args: (w) => evalArgs('--conditions', 'programmed+soft', '--model', ground.model, '--country', 'JP', '--out', w.dir), error: /the programmed\+soft condition steers a run's prompt: give its run folder/ },
];

const programArgs = (w: Work, ...extra: string[]) => ['program', '--model', ground.model, '--device', 'cpu', '--instrument', 'iw-map', '--countries', 'Japan,Brazil', '--proposer', 'self', '--out', w.dir, ...extra];

const PROGRAM_CASES: BadCase[] = [
  { name: 'program without --countries', args: (w) => ['program', '--model', ground.model, '--proposer', 'self', '--out', w.dir], error: /program needs --countries/ },
  { name: 'program with two proposers', args: (w) => [...programArgs(w), '--proposer-url', 'http://127.0.0.1:9/v1'], error: /program needs one proposer/ },
  { name: 'program copro with a MIPROv2 flag', args: (w) => programArgs(w, '--auto', 'medium'), error: /--auto is for --optimizer mipro; leave it out with copro/ },
  { name: 'program mipro with COPRO flags', args: (w) => programArgs(w, '--optimizer', 'mipro', '--breadth', '3', '--depth', '2'), error: /--breadth, --depth are for --optimizer copro; MIPROv2 takes --auto, or --auto none with --candidates and --trials/ },
  { name: 'program mipro --candidates with a preset', args: (w) => programArgs(w, '--optimizer', 'mipro', '--candidates', '4'), error: /--candidates and --trials are set by --auto light; give --auto none to set them yourself/ },
  { name: 'program mipro --auto none alone', args: (w) => programArgs(w, '--optimizer', 'mipro', '--auto', 'none'), error: /--auto none needs --candidates N and --trials N/ },
  { name: 'program unknown optimizer', args: (w) => programArgs(w, '--optimizer', 'gepa'), error: /argument 'gepa' is invalid\. Allowed choices are copro, mipro/ },
];

const EXPORT_CASES: BadCase[] = [
  { name: 'export of a missing run', args: (w) => ['export', w.path('none')], error: /none: no such run folder/ },
  { name: 'export of a folder without run.json', args: (w) => ['export', w.dir], error: /not a run folder/ },
  { name: 'export of a run without a finished generation', args: (w) => ['export', runCopy(w, remove('result.json', 'checkpoint.json', 'prompt.json'))], error: /run has no finished generation yet; nothing to export/ },
  { name: 'export of a prompt with NaN', args: (w) => ['export', runCopy(w, (d) => editJson(path.join(d, 'prompt.json'), (p) => (p.data = p.data.map(() => 'x'))))], error: /must be \{"shape": \[k, hidden\], "data": \[numbers\]\}/ },
  { name: 'export of a prompt of the wrong width', args: (w) => ['export', runCopy(w, (d) => fs.writeFileSync(path.join(d, 'prompt.json'), encodeSoftPromptJson({ k: 2, hidden: 32, data: new Float32Array(64) })))], error: /hidden size 32, the model expects 64/ },
  { name: 'export of a prompt of another run', args: (w) => ['export', runCopy(w, (d) => fs.writeFileSync(path.join(d, 'prompt.json'), encodeSoftPromptJson({ k: 1, hidden: 64, data: new Float32Array(64) })))], error: /holds 1 vectors but run\.json says k = 2/ },
  { name: 'export of a run whose run.json was deleted', args: (w) => ['export', runCopy(w, remove('run.json'))], error: /not a run folder \(no run\.json/ },
  { name: 'export of a damaged checkpoint', args: (w) => ['export', runCopy(w, (d) => fs.writeFileSync(path.join(d, 'checkpoint.json'), ''))], error: /checkpoint\.json: not valid JSON/ },
  { name: 'export --dtype f16 of a value fp16 cannot hold', args: (w) => ['export', runCopy(w, (d) => editJson(path.join(d, 'prompt.json'), (p) => (p.data[5] = 70000))), '--dtype', 'f16', '--out', w.path('f16')], error: /the soft prompt holds 70000, beyond fp16's range \(largest 65504\): export it with --dtype f32/ },
  { name: 'export unknown format', args: (w) => ['export', runCopy(w), '--format', 'onnx'], error: /argument 'onnx' is invalid/ },
  { name: 'export unknown dtype', args: (w) => ['export', runCopy(w), '--dtype', 'bf16'], error: /argument 'bf16' is invalid/ },
  { name: 'export --out is a file', args: (w) => ['export', runCopy(w), '--out', w.file('out', 'x')], error: /cannot write .*out\/adapter_model\.safetensors: .*out is a file, not a folder/ },
  { name: 'export --out below a file', args: (w) => ['export', runCopy(w), '--format', 'npy', '--out', path.join(w.file('out', 'x'), 'deeper')], error: /out is a file, not a folder/ },
  {
    name: 'export over an earlier export, failing: the earlier one stays whole',
    args: (w) => {
      const dir = runCopy(w);
      w.file('exported/prompt.npy', 'earlier');
      w.file('exported/cultune_metadata.json', '{"earlier": true}');
      fs.mkdirSync(w.path('exported', 'prompt.json'));
      return ['export', dir, '--format', 'json', '--out', w.path('exported')];
    },
    error: /cannot write .*exported\/prompt\.json: is a folder, not a file/,
  },
];

const REPORT_CASES: BadCase[] = [
  { name: 'report of a missing folder', args: (w) => ['report', w.path('none'), '--out', w.path('r')], error: /none: neither a run folder \(run\.json\) nor a folder of eval-\*\.json files/ },
  { name: 'report of an unrelated folder', args: (w) => ['report', path.dirname(w.file('misc/notes.txt', 'x')), '--out', w.path('r')], error: /misc: neither a run folder/ },
  { name: 'report of an eval file not JSON', args: (w) => ['report', path.dirname(w.file('b/eval-none.json', '{')), '--out', w.path('r')], error: /eval-none\.json: not a cultune eval file/ },
  { name: 'report of an eval file without condition', args: (w) => ['report', runCopy(w, (d) => editJson(path.join(d, 'eval-none.json'), (e) => delete e.condition)), '--out', w.path('r')], error: /eval-none\.json: not a cultune eval file \(no condition/ },
  { name: 'report of an eval file invalid UTF-8', args: (w) => ['report', runCopy(w, (d) => fs.appendFileSync(path.join(d, 'eval-none.json'), Buffer.from([0xc3, 0x28]))), '--out', w.path('r')], error: /eval-none\.json line \d+: not valid UTF-8/ },
  { name: 'report of an eval file that is a folder', args: (w) => ['report', path.dirname(path.dirname(w.file('b/eval-soft.json/x', ''))), '--out', w.path('r')], error: /eval-soft\.json: is a folder, not a file/ },
  { name: 'report --out is a file', args: (w) => ['report', runCopy(w), '--out', w.file('r', 'x')], error: /cannot write .*r\/report\.md: .*r is a file, not a folder/ },
  { name: 'report without --out', args: (w) => ['report', runCopy(w)], error: /required option '--out <dir>' not specified/ },
  { name: 'report without folders', args: (w) => ['report', '--out', w.path('r')], error: /missing required argument 'runs'/ },
  { name: 'report of a damaged run.json', args: (w) => ['report', runCopy(w, (d) => fs.writeFileSync(path.join(d, 'run.json'), '{}')), '--out', w.path('r')], error: /run\.json: not a cultune run file/ },
  { name: 'report of a result without history', args: (w) => ['report', runCopy(w, (d) => editJson(path.join(d, 'result.json'), (r) => (r.history = 'none'))), '--out', w.path('r')], error: /result\.json: no training history/ },
];

const DEMO_CASES: BadCase[] = [
  { name: 'demo unknown country', args: (w) => ['demo', '--country', 'Atlantis', '--out', w.path('demo'), '--no-download'], error: /Atlantis/ },
  { name: 'demo --out is a file', args: (w) => ['demo', '--out', w.file('demo', 'x'), '--no-download'], error: /cannot create the folder .*demo: .*demo is a file, not a folder/ },
  { name: 'demo --out below a file', args: (w) => ['demo', '--out', path.join(w.file('demo', 'x'), 'run'), '--no-download'], error: /demo is a file, not a folder/ },
  { name: 'demo unknown device', args: (w) => ['demo', '--out', w.path('demo'), '--device', 'tpu'], error: /unknown device "tpu"/ },
];

describe.each([
  ['train', TRAIN_CASES],
  ['sweep', SWEEP_CASES],
  ['eval', EVAL_CASES],
  ['program', PROGRAM_CASES],
  ['export', EXPORT_CASES],
  ['report', REPORT_CASES],
  ['demo', DEMO_CASES],
] as const)('bad inputs: %s', (_command, cases) => {
  it.each(cases.map((row) => [row.name, row] as const))('%s', async (_name, row) => {
    await runBadCase(ground, row);
  });
});

describe('run folders: what a failed or changed run leaves, and how it goes on', () => {
  it('a setup failure leaves no folder, and the same folder then trains from the start', async () => {
    const work = new Work(ground);
    await runBadCase(ground, { name: 'k too large', args: () => trainArgs(work.dir, '--k', '900'), error: /--k 900/ });
    expect(fs.existsSync(work.path('run'))).toBe(false);
    const trained = await cultune(trainArgs(work.dir), ground.env);
    expect(trained.code, trained.stderr).toBe(0);
    expect(sameResult(work.path('run'), finished)).toBe(true);
  });

  it('a run that never finished its first generation (run.json alone) starts again with the same command, settings changed or not', async () => {
    const work = new Work(ground);
    const dir = runCopy(work, remove('result.json', 'checkpoint.json', 'prompt.json'));
    editJson(path.join(dir, 'run.json'), (r) => (r.softPrompt.k = 7));
    const again = await cultune(trainArgs(work.dir), ground.env);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8')).softPrompt.k).toBe(2);
    expect(sameResult(dir, finished)).toBe(true);
  });

  it('--extend-budget continues a finished run to exactly where a run with the larger budget ends', async () => {
    const work = new Work(ground);
    const dir = runCopy(work);
    const extended = await cultune(trainArgs(work.dir, '--resume', '--budget', '12', '--extend-budget'), ground.env);
    expect(extended.code, extended.stderr).toBe(0);
    const straight = await cultune(trainArgs(work.path('straight'), '--budget', '12'), ground.env);
    expect(straight.code, straight.stderr).toBe(0);
    const result = (d: string) => JSON.parse(fs.readFileSync(path.join(d, 'result.json'), 'utf8'));
    expect(result(dir).history.at(-1).evaluations).toBe(12);
    expect(result(dir).best).toEqual(result(work.path('straight', 'run')).best);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8')).search.budget).toBe(12);
    expect(fs.readFileSync(path.join(dir, 'prompt.json'))).toEqual(fs.readFileSync(work.path('straight', 'run', 'prompt.json')));
  });

  it('report lists a folder named three ways (R, R/, ../x/R) once', async () => {
    const work = new Work(ground);
    const dir = runCopy(work);
    const other = path.join(work.dir, 'x');
    fs.mkdirSync(other);
    const once = await cultune(['report', dir, '--out', work.path('once'), '--json'], ground.env);
    const thrice = await cultune(['report', dir, `${dir}/`, path.join(other, '..', 'run'), '--out', work.path('thrice'), '--json'], ground.env);
    expect(thrice.code, thrice.stderr).toBe(0);
    const rows = (out: string) => JSON.parse(out).rows;
    expect(rows(once.stdout)).toHaveLength(1);
    expect(rows(thrice.stdout)).toEqual(rows(once.stdout));
    const plain = await cultune(['report', dir, `${dir}/`, '--out', work.path('plain')], ground.env);
    expect(plain.stdout).toMatch(/^1 result from 1 folder;/);
  });

  it('a lock left by a dead process, or holding garbage, is taken over (the latter with a notice)', async () => {
    for (const [content, notice] of [
      [JSON.stringify({ pid: 2 ** 22 + 7, start: '1' }), undefined],
      ['', /the lock .*\.lock is damaged \(empty or unreadable\); taking it over/],
      ['{"pid": 12', /is damaged \(not a cultune lock\)/],
      [JSON.stringify({ pid: 0, start: null }), /is damaged \(not a cultune lock\)/],
    ] as const) {
      const work = new Work(ground);
      const dir = runCopy(work, unfinished);
      fs.writeFileSync(path.join(dir, '.lock'), content);
      const resumed = await cultune(trainArgs(work.dir, '--resume'), ground.env);
      expect(resumed.code, resumed.stderr).toBe(0);
      const lines = problemLines(resumed.stderr).filter((l) => l.startsWith('cultune: '));
      if (notice) expect(lines).toEqual([expect.stringMatching(notice)]);
      else expect(lines).toEqual([]);
      expect(fs.existsSync(path.join(dir, '.lock'))).toBe(false);
      expect(sameResult(dir, finished)).toBe(true);
    }
  });

  it('a lock naming a live pid with another start time (a reused pid) is taken over', async () => {
    const work = new Work(ground);
    const dir = runCopy(work, unfinished);
    const start = processStart(sleeper.pid!);
    fs.writeFileSync(path.join(dir, '.lock'), JSON.stringify({ pid: sleeper.pid, start: String(Number(start) - 1) }));
    const resumed = await cultune(trainArgs(work.dir, '--resume'), ground.env);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(sameResult(dir, finished)).toBe(true);
  });
});

export const RUN_CASE_COUNT = TRAIN_CASES.length + SWEEP_CASES.length + EVAL_CASES.length + EXPORT_CASES.length + REPORT_CASES.length + DEMO_CASES.length;
