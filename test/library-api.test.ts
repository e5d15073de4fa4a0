import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it, expect } from 'vitest';
import { FIXTURES, REPO } from './helpers/paths.ts';
import { tempDirs } from './helpers/temp-dirs.ts';

const temp = tempDirs('library');
const modelDir = path.join(FIXTURES, 'llama-f32');

/**
 * The package as `npm pack` makes it (prepack builds dist/; .npmrc's ignore-scripts would skip it, so it
 * is asked for), installed into a fresh consumer project. The tarball is extracted into the consumer's
 * node_modules and its dependencies are the repository's installed ones, linked: `npm install` of the
 * tarball needs the registry's metadata, which an offline machine lacks. What is under test is the
 * package itself: its `files` list (a file missing from the tarball is missing here) and its `exports`
 * and `types` (the consumer imports 'cultune' by name, with plain Node and with tsc).
 */
function consumerProject(): string {
  const dir = temp();
  const tarball = execFileSync('npm', ['pack', '--ignore-scripts=false', '--silent', '--pack-destination', dir], { cwd: REPO, encoding: 'utf8' }).trim().split('\n').at(-1)!;
  const installed = path.join(dir, 'node_modules', 'cultune');
  fs.mkdirSync(installed, { recursive: true });
  execFileSync('tar', ['-xzf', path.join(dir, tarball), '-C', installed, '--strip-components=1']);
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(installed, 'node_modules'));
  fs.symlinkSync(path.join(REPO, 'node_modules', '@types'), path.join(dir, 'node_modules', '@types'));
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies: { cultune: `file:${tarball}` } }));
  return dir;
}

const SCRIPT = `
import { train, evaluate, loadModel, exportPeft, setNoticeSink } from 'cultune';
const [modelDir, out] = process.argv.slice(2);
const notices = [];
setNoticeSink((line) => notices.push(line));
const model = await loadModel({ model: modelDir, device: 'cpu' });
try {
  const trained = await train(model, { country: 'JP', out, name: 'run', k: 2, dim: 16, pop: 4, budget: 8, seed: 3, variants: '1' });
  const evaluated = await evaluate(model, trained.runDir, { download: false, bootstrap: 20 });
  const files = exportPeft(trained.runDir, out + '/peft');
  console.log(JSON.stringify({ runDir: trained.runDir, result: trained.result, record: evaluated.record, files, notices, hidden: model.hidden }));
} finally {
  await model.dispose();
}
`;

const TYPED = `
import { train, evaluate, loadModel, exportPeft, type TrainOutcome, type LoadedModel } from 'cultune';
const model: LoadedModel = await loadModel({ model: 'folder', device: 'cpu' });
const trained: TrainOutcome = await train(model, { country: 'JP', budget: 8 });
const loss: number = trained.result.best.loss.value;
const files: string[] = exportPeft(trained.runDir, 'out');
const condition: string = (await evaluate(model, trained.runDir)).record.condition;
// @ts-expect-error: the model comes first (fails when the types are missing and all is any)
await train({ country: 'JP' });
console.log(loss, files, condition);
`;

describe('the library API from a packed package', () => {
  it('imports with plain Node, trains, evaluates and exports; its types check under node16 resolution', () => {
    const dir = consumerProject();
    const out = path.join(dir, 'runs');
    fs.writeFileSync(path.join(dir, 'use.mjs'), SCRIPT);
    // No tsx: plain Node with no loader.
    const stdout = execFileSync(process.execPath, ['use.mjs', modelDir, out], { cwd: dir, encoding: 'utf8', env: { ...process.env, CULTUNE_CACHE: path.join(FIXTURES, '.cache'), NODE_OPTIONS: '' } });
    const { runDir, result, record, files, notices, hidden } = JSON.parse(stdout.trim().split('\n').at(-1)!);
    expect(runDir).toBe(path.join(out, 'run'));
    const stored = JSON.parse(fs.readFileSync(path.join(runDir, 'result.json'), 'utf8'));
    expect(result).toEqual(stored);
    expect(result.history.at(-1).evaluations).toBe(8);
    expect(record.condition).toBe('soft');
    expect(fs.existsSync(path.join(runDir, 'eval-soft.json'))).toBe(true);
    expect(files.map((f: string) => path.basename(f))).toEqual(['adapter_model.safetensors', 'adapter_config.json', 'cultune_metadata.json']);
    // The adapter holds the run's best prompt (prompt.json) as F32, read by the format's definition.
    const bytes = fs.readFileSync(path.join(out, 'peft', 'adapter_model.safetensors'));
    const headerLength = Number(bytes.readBigUInt64LE(0));
    const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString());
    expect(header.prompt_embeddings.shape).toEqual([2, hidden]);
    const values = Array.from({ length: 2 * hidden }, (_, n) => bytes.readFloatLE(8 + headerLength + 4 * n));
    const prompt = JSON.parse(fs.readFileSync(path.join(runDir, 'prompt.json'), 'utf8'));
    expect(values).toEqual(prompt.data.map((v: number) => Math.fround(v)));
    expect(notices.some((line: string) => /constants C/.test(line))).toBe(true);

    fs.writeFileSync(path.join(dir, 'typed.ts'), TYPED);
    // skipLibCheck as most projects set it (a dependency's own .d.ts, onnx-proto's, does not check alone);
    // the @ts-expect-error in TYPED fails if cultune's types did not resolve and everything were any.
    fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'node16', moduleResolution: 'node16', strict: true, noEmit: true, skipLibCheck: true, types: ['node'] },
      files: ['typed.ts'],
    }));
    execFileSync(process.execPath, [path.join(REPO, 'node_modules/typescript/bin/tsc'), '-p', '.'], { cwd: dir, encoding: 'utf8' });
  }, 180_000);
});
