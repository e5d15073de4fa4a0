import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
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

/** PEM files of a server certificate for localhost and the CA that signed it. */
export interface TlsFiles {
  cert: string;
  key: string;
  ca: string;
}

/**
 * With `tls`, the server listens with TLS only and its URL is rediss://...@localhost; stop() then
 * ends it without saving.
 */
export async function startRedis(options: { tls?: TlsFiles } = {}): Promise<RedisServer> {
  const binary = process.env.CULTUNE_REDIS_SERVER ?? 'redis-server';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cultune-redis-'));
  const port = await freePort();
  const password = crypto.randomBytes(12).toString('hex');
  const log = path.join(dir, 'redis.log');
  const { tls } = options;
  const listen = tls
    ? ['--port', '0', '--tls-port', String(port), '--tls-cert-file', tls.cert, '--tls-key-file', tls.key, '--tls-ca-cert-file', tls.ca, '--tls-auth-clients', 'no']
    : ['--port', String(port)];
  let child: ChildProcess | undefined;
  const start = async () => {
    // No periodic snapshots: only `stop()` saves, so the data survives a restart and nothing else writes.
    child = spawn(binary, [...listen, '--bind', '127.0.0.1', '--requirepass', password, '--dir', dir, '--save', '', '--appendonly', 'no', '--logfile', log], {
      stdio: 'ignore',
    });
    await waitForPort(port, child, log);
  };
  const stop = async () => {
    const running = child;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    if (tls) running.kill('SIGTERM');
    else {
      await new Promise<void>((resolve) => {
        const socket = net.connect(port, '127.0.0.1', () => socket.write(`AUTH ${password}\r\nSHUTDOWN SAVE\r\n`));
        socket.on('error', () => resolve());
        socket.on('close', () => resolve());
      });
    }
    await exited;
  };
  await start();
  return {
    url: `${tls ? 'rediss' : 'redis'}://:${password}@${tls ? 'localhost' : '127.0.0.1'}:${port}/0`,
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

/** A throwaway CA and a server certificate for localhost signed by it (openssl), in `dir`; undefined without openssl. */
export function makeTlsFiles(dir: string): TlsFiles | undefined {
  const files = { ca: path.join(dir, 'ca.pem'), cert: path.join(dir, 'server.pem'), key: path.join(dir, 'server.key') };
  const caKey = path.join(dir, 'ca.key');
  const request = path.join(dir, 'server.csr');
  const extensions = path.join(dir, 'server.ext');
  fs.writeFileSync(extensions, 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  const steps = [
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', caKey, '-out', files.ca, '-days', '1', '-subj', '/CN=cultune test CA'],
    ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', files.key, '-out', request, '-subj', '/CN=localhost'],
    ['x509', '-req', '-in', request, '-CA', files.ca, '-CAkey', caKey, '-CAcreateserial', '-out', files.cert, '-days', '1', '-extfile', extensions],
  ];
  for (const args of steps) {
    const result = spawnSync('openssl', args, { stdio: 'ignore' });
    if (result.error || result.status !== 0) return undefined;
  }
  return files;
}
