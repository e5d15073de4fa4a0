import { createHash, type Hash } from 'node:crypto';
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { UserError } from '../../util/errors.ts';
import { hubGet, Watchdog } from './hub-request.ts';
import type { HubSettings } from './hub-settings.ts';

/** What the Hub says a file is: its size, and the sha256 of an LFS file or the git blob id (sha1) of any other. */
export interface ExpectedBlob {
  size: number;
  digest: { algorithm: 'sha256' | 'git-sha1'; hex: string };
}

export interface BlobDownloadOptions {
  /** The endpoint, token and timeout (a host silent this long is dropped, and the download resumed). */
  settings: HubSettings;
  /** Called with the number of bytes as they arrive (resumed bytes included, once, at the start). */
  onBytes?: (bytes: number) => void;
  /** Attempts before a connection that keeps breaking is given up (each resumes where the last stopped). */
  attempts?: number;
  /** An HTTP error as one line for the user. */
  httpError: (status: number, detail: string) => UserError;
}

export function startHash(expected: ExpectedBlob): Hash {
  const hash = createHash(expected.digest.algorithm === 'sha256' ? 'sha256' : 'sha1');
  // git hashes "blob <size>\0" + content: the id the tree API reports for a file outside LFS.
  if (expected.digest.algorithm === 'git-sha1') hash.update(`blob ${expected.size}\0`);
  return hash;
}

/** A partial file's bytes hashed, so a resumed download is checked whole. */
export function hashExisting(file: string, hash: Hash): number {
  const fd = fs.openSync(file, 'r');
  try {
    const buffer = Buffer.allocUnsafe(1 << 20);
    let total = 0;
    for (let read; (read = fs.readSync(fd, buffer, 0, buffer.length, total)) > 0; total += read) hash.update(buffer.subarray(0, read));
    return total;
  } finally {
    fs.closeSync(fd);
  }
}

class Interrupted extends Error {}

/**
 * Downloads `url` to `target`, checked against what the Hub says it is. Bytes go to `<target>.incomplete`
 * (huggingface_hub's name, so either tool resumes the other's partial file); a break in the connection is
 * resumed with a Range request, here (up to `attempts` times) or by the next run. Only a file whose size
 * and hash match is renamed to `target`; one that does not is deleted and reported.
 */
export async function downloadBlob(url: string, target: string, expected: ExpectedBlob, options: BlobDownloadOptions): Promise<void> {
  const partial = `${target}.incomplete`;
  const attempts = options.attempts ?? 5;
  let hash = startHash(expected);
  let have = 0;
  if (fs.existsSync(partial)) have = hashExisting(partial, hash);
  if (have > expected.size) {
    hash = startHash(expected);
    have = 0;
  }
  if (have === 0) fs.writeFileSync(partial, '');
  options.onBytes?.(have);
  let lastFailure = '';
  for (let attempt = 1; have < expected.size; attempt++) {
    if (attempt > attempts) {
      throw new UserError(`download of ${url} stopped at ${have} of ${expected.size} bytes (${lastFailure}); run the command again to resume it`);
    }
    if (attempt > 1) await sleep(Math.min(4000, 250 * 2 ** (attempt - 2)));
    const watchdog = new Watchdog(options.settings.timeoutMs);
    try {
      let response: Response;
      try {
        response = await hubGet(options.settings, url, watchdog, have > 0 ? { Range: `bytes=${have}-` } : {});
      } catch (error) {
        if (error instanceof UserError) throw error;
        throw new Interrupted(`${watchdog.origin}: ${watchdog.reason(error)}`);
      }
      if (response.status === 200 && have > 0) {
        // The server ignored the range: start again from the first byte.
        hash = startHash(expected);
        have = 0;
        fs.rmSync(partial, { force: true });
      } else if (response.status === 206) {
        const start = Number(/^bytes (\d+)-/.exec(response.headers.get('content-range') ?? '')?.[1]);
        if (start !== have) throw new UserError(`${url} answered a resume from byte ${have} with bytes from ${start}`);
      } else if (!response.ok) {
        const detail = response.headers.get('x-error-message') ?? response.headers.get('x-error-code') ?? '';
        throw options.httpError(response.status, detail);
      }
      if (!response.body) throw new Interrupted('empty response');
      const fd = fs.openSync(partial, 'a');
      let overflow = false;
      try {
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          watchdog.touch();
          if ((overflow = have + chunk.length > expected.size)) break;
          fs.writeSync(fd, chunk);
          hash.update(chunk);
          have += chunk.length;
          options.onBytes?.(chunk.length);
        }
      } catch (error) {
        throw new Interrupted(`${watchdog.origin}: ${watchdog.reason(error)}`);
      } finally {
        fs.closeSync(fd);
      }
      if (overflow) {
        fs.rmSync(partial, { force: true });
        throw new UserError(`${url} sent more than the ${expected.size} bytes the Hub lists; the download was deleted`);
      }
      if (have < expected.size) lastFailure = 'the connection ended early';
    } catch (error) {
      if (!(error instanceof Interrupted)) throw error;
      lastFailure = error.message;
    } finally {
      watchdog.stop();
    }
  }
  const digest = hash.digest('hex');
  if (digest !== expected.digest.hex) {
    fs.rmSync(partial, { force: true });
    const kind = expected.digest.algorithm === 'sha256' ? 'sha256' : 'git blob id';
    throw new UserError(`${url}: ${kind} ${digest} does not match the Hub's ${expected.digest.hex}; the download was deleted (run again to download it anew)`);
  }
  fs.renameSync(partial, target);
}
