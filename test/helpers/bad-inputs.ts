import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { expect } from 'vitest';
import { registerCommands } from '../../src/cli/commands.ts';
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
  /^cultune: (.* on cpu, (tree|flat) plan \((b?float(32|16)), hidden \d+\)|CulturalBench unavailable .*; VSM 2013 only|--dim defaults to \d+, .*|using the CPU: no CUDA provider installed .*|VSM 2013 constants C \(.*|\d+\.\d{3} s per candidate on generation \d+: .*|init text ".*" is \d+ tokens; .*)$/;

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

function program(): Command {
  const root = new Command();
  registerCommands(root);
  return root;
}

/** The long flags of a command (a subcommand's for `queue status`). */
function flagsOf(commandPath: readonly string[]): Set<string> {
  let command: Command | undefined = program();
  for (const name of commandPath) command = command?.commands.find((c) => c.name() === name);
  if (!command) throw new Error(`no command ${commandPath.join(' ')}`);
  return new Set(command.options.map((o) => o.long).filter((flag): flag is string => flag !== undefined));
}

/** The command path a command line runs: `queue status` for the queue's subcommands, else its first word. */
function commandPathOf(words: readonly string[]): string[] {
  const command = program().commands.find((c) => c.name() === words[0]);
  const sub = command?.commands.find((c) => c.name() === words[1]);
  return sub ? [words[0], words[1]] : [words[0]];
}

/**
 * Advice must run: every `--flag` a message names exists on the command that printed it, or, where the
 * message names another command ("cultune worker --runs DIR"), on that one. Commander's own "unknown
 * option" names the flag that does not exist, by design.
 */
export function expectAdviceRuns(args: readonly string[], line: string): void {
  if (/unknown option/.test(line)) return;
  // Another tool's command line (optimum-cli's) is advice in its own words.
  line = line.replace(/optimum-cli [^,;)]*/g, '');
  const commands = program().commands.map((c) => c.name()).join('|');
  // Split the line where it names a command: the flags after "cultune X" are X's.
  const parts = line.replace(/^cultune: /, '').split(new RegExp(`\\bcultune (?=(?:${commands})\\b)`));
  if (!program().commands.some((c) => c.name() === args[0])) return;
  parts.forEach((part, i) => {
    const words = part.split(/\s+/).map((word) => word.replace(/[^\w-]/g, ''));
    const commandPath = i === 0 ? commandPathOf(args) : commandPathOf(words);
    const text = i === 0 ? part : words.slice(commandPath.length).join(' ');
    const known = flagsOf(commandPath);
    for (const flag of text.match(/(?<![\w-])--[a-z][a-z0-9-]*/g) ?? []) {
      expect(known.has(flag), `"${line}" names ${flag}, which cultune ${commandPath.join(' ')} does not take`).toBe(true);
    }
  });
}

/** Runs one case in a fresh folder, in this process, and applies the common checks. */
export async function runBadCase(ground: Ground, row: BadCase): Promise<CliResult> {
  const work = new Work(ground);
  const args = row.args(work);
  const before = treeState(work.dir);
  const result = await cultune(args, ground.env);
  expectCleanFailure(result, row.error, before, treeState(work.dir));
  expectAdviceRuns(args, problemLines(result.stderr)[0]);
  return result;
}
