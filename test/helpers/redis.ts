import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** A real redis-server (Debian's, or CULTUNE_REDIS_SERVER) on a free loopback port, with a password. */
export interface RedisServer {
  url: string;
  port: number;
  password: string;
  /** Saves the data to disk and stops (SHUTDOWN SAVE); start() brings it back with the same data and port. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops for good and removes its folder. */
  dispose(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitForPort(port: number, child: ChildProcess, log: string): Promise<void> {
  for (let tries = 0; tries < 200; tries++) {
    if (child.exitCode !== null) throw new Error(`redis-server exited (${child.exitCode}): ${fs.existsSync(log) ? fs.readFileSync(log, 'utf8').slice(-500) : ''}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => (socket.destroy(), resolve(true)));
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`redis-server did not listen on port ${port}`);
}

export async function startRedis(): Promise<RedisServer> {
  const binary = process.env.CULTUNE_REDIS_SERVER ?? 'redis-server';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cultune-redis-'));
  const port = await freePort();
  const password = crypto.randomBytes(12).toString('hex');
  const log = path.join(dir, 'redis.log');
  let child: ChildProcess | undefined;
  const start = async () => {
    // No periodic snapshots: only `stop()` saves, so the data survives a restart and nothing else writes.
    child = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--requirepass', password, '--dir', dir, '--save', '', '--appendonly', 'no', '--logfile', log], {
      stdio: 'ignore',
    });
    await waitForPort(port, child, log);
  };
  const stop = async () => {
    const running = child;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    await new Promise<void>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => socket.write(`AUTH ${password}\r\nSHUTDOWN SAVE\r\n`));
      socket.on('error', () => resolve());
      socket.on('close', () => resolve());
    });
    await exited;
  };
  await start();
  return {
    url: `redis://:${password}@127.0.0.1:${port}/0`,
    port,
    password,
    stop,
    start,
    dispose: async () => {
      await stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
