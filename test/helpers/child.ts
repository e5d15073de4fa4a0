import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { REPO } from './paths.ts';

export type Event = { event: string; [key: string]: unknown };

/** The real CLI in a background process whose stdout is JSON lines (`--json`), read as they come. */
export class CliProcess {
  readonly child: ChildProcess;
  readonly events: Event[] = [];
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;
  private waiters: { test: (event: Event) => boolean; resolve: (event: Event) => void }[] = [];

  constructor(args: string[], env: Record<string, string> = {}) {
    this.child = spawn(process.execPath, [path.join(REPO, 'bin/cultune.js'), ...args], { cwd: REPO, env: { ...process.env, ...env } });
    let partial = '';
    this.child.stdout!.on('data', (chunk: Buffer) => {
      this.stdout += chunk.toString();
      partial += chunk.toString();
      const lines = partial.split('\n');
      partial = lines.pop() as string;
      for (const line of lines.filter((l) => l.trim() !== '')) this.push(JSON.parse(line) as Event);
    });
    this.child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  private push(event: Event): void {
    this.events.push(event);
    this.waiters = this.waiters.filter((waiter) => !(waiter.test(event) && (waiter.resolve(event), true)));
  }

  /** The first event (seen already or to come) that passes `test`. */
  waitFor(test: (event: Event) => boolean): Promise<Event> {
    const seen = this.events.find(test);
    return seen ? Promise.resolve(seen) : new Promise((resolve) => this.waiters.push({ test, resolve }));
  }
}
