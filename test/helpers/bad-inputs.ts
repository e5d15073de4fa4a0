import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { demoModelDir } from '../../src/train/demo-model.ts';
import { cultune, type CliResult } from './in-process.ts';
import { treeState } from './tree-state.ts';

export { treeState };

/**
 * Shared ground for the bad-input suites: a seeded model generated here (no ../shared needed), a cache
 * folder of its own, and a fresh work folder per case. Every case is checked the same way: a non-zero
 * exit, exactly one line on stderr that names the problem, no stack trace, and the work folder exactly
 * as it was before (no temporary or half-written file, earlier outputs byte for byte intact).
 */
export interface Ground {
  root: string;
  cache: string;
  model: string;
  env: Record<string, string>;
}

/** A ground in a new temporary folder; a suite calls it in beforeAll and removeGround in afterAll. */
export function makeGround(label: string): Ground {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), `cultune-${label}-`));
  const cache = path.join(root, 'cache');
  return { root, cache, model: demoModelDir(cache), env: { CULTUNE_CACHE: cache } };
}

export function removeGround(ground: Ground | undefined): void {
  if (ground) fs.rmSync(ground.root, { recursive: true, force: true });
}

/** The small training run the suites share: Japan, k 2, an 8-dimensional subspace, 4 candidates a generation, budget 8, 1 variant, seed 3. */
export function smallTrainArgs(ground: Ground, out: string, ...extra: string[]): string[] {
  return [
    'train', '--model', ground.model, '--device', 'cpu', '--country', 'JP', '--k', '2', '--dim', '8', '--pop', '4', '--budget', '8',
    '--variants', '1', '--seed', '3', '--out', out, '--name', 'run', ...extra,
  ];
}

/** Trains the small run once into <root>/base/run (cases work on copies of it) and returns that folder. */
export async function trainBase(ground: Ground): Promise<string> {
  const trained = await cultune(smallTrainArgs(ground, path.join(ground.root, 'base')), ground.env);
  expect(trained.code, trained.stderr).toBe(0);
  return path.join(ground.root, 'base', 'run');
}

/** A fresh, empty folder for one case, and helpers to put files in it. */
export class Work {
  readonly dir: string;
  constructor(readonly ground: Ground) {
    this.dir = fs.mkdtempSync(path.join(ground.root, 'case-'));
  }

  path(...parts: string[]): string {
    return path.join(this.dir, ...parts);
  }

  /** Writes a file (text or bytes) under the case folder and returns its path. */
  file(name: string, content: string | Uint8Array): string {
    const file = this.path(name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
    return file;
  }

  /** A copy of a run folder under the case folder. */
  copy(from: string, name = path.basename(from)): string {
    const to = this.path(name);
    fs.cpSync(from, to, { recursive: true });
    return to;
  }
}

/**
 * Lines cultune prints on stderr in normal operation (which model runs where, that eval goes on without
 * CulturalBench, the time estimate, an init text that does not fit k), not part of an error.
 */
const INFORMATION =
  /^cultune: (.* on cpu, (tree|flat) plan \((b?float(32|16)), hidden \d+\)|CulturalBench unavailable .*; VSM 2013 only|\d+\.\d{3} s per candidate on generation \d+: .*|init text ".*" is \d+ tokens; .*)$/;

/** The stderr lines that are not informational. */
export function problemLines(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line !== '' && !INFORMATION.test(line));
}

/** The checks every bad input must pass. */
export function expectCleanFailure(result: CliResult, error: RegExp, before: Record<string, string>, after: Record<string, string>): void {
  const lines = problemLines(result.stderr);
  expect(result.code, result.stderr).not.toBe(0);
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^cultune: /);
  expect(lines[0]).not.toMatch(/internal error|\bat .*\.ts:\d+/);
  expect(lines[0]).toMatch(error);
  expect(after).toEqual(before);
}

/** One row of a table of bad inputs: it prepares its input in `work` and returns the command line. */
export interface BadCase {
  name: string;
  args: (work: Work) => string[];
  /** What the one line on stderr must say. */
  error: RegExp;
}

/** Runs one case in a fresh folder, in this process, and applies the common checks. */
export async function runBadCase(ground: Ground, row: BadCase): Promise<CliResult> {
  const work = new Work(ground);
  const args = row.args(work);
  const before = treeState(work.dir);
  const result = await cultune(args, ground.env);
  expectCleanFailure(result, row.error, before, treeState(work.dir));
  return result;
}
