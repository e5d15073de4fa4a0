import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

/**
 * A local stand-in for the Hugging Face Hub: the model-info, tree and resolve endpoints the Hub serves,
 * answering as it does (LFS files redirected to a CDN path, Range requests, 401 for a gated repository
 * without a token, 404 for an unknown one), over repositories made of local folders. Hostile on demand
 * (`hostile`): any answer can be replaced by one a compromised mirror could give, or by silence.
 */

export interface HubFile {
  path: string;
  bytes: Buffer;
  /** Stored in LFS (the tree lists its sha256) rather than in git. */
  lfs: boolean;
}

export interface HubRepo {
  id: string;
  commit: string;
  files: HubFile[];
  /** Gated: resolve needs `Authorization: Bearer <token>`. */
  token?: string;
  /** Private: the model info and tree need the token too (the Hub answers 401 without it). */
  private?: boolean;
}

export interface RecordedRequest {
  method: string;
  url: string;
  range?: string;
  authorization?: string;
}

export interface HubFaults {
  /** Paths whose next download stops after half its bytes (the connection is cut). */
  truncateOnce: Set<string>;
  /** Paths served with one byte changed (the tree still lists the true hash). */
  corrupt: Set<string>;
}

/** Which endpoint a request reached: model info, tree listing, resolve (a file), or the CDN an LFS file is redirected to. */
export type Endpoint = 'info' | 'tree' | 'resolve' | 'cdn';

/** An answer in place of the honest one: status, headers and body (a string as it is, anything else as JSON), or no answer at all. */
export type HostileAnswer = { status?: number; headers?: Record<string, string>; body: unknown } | 'hang';

/**
 * Replaces answers: called with the endpoint, the JSON the stand-in would send (the model info or the
 * tree listing; undefined for files) and the request's path; returns an answer to send instead, or
 * undefined to answer honestly.
 */
export type Hostility = (endpoint: Endpoint, honest: unknown, pathname: string) => HostileAnswer | undefined;

/** Every file of a folder as a repository file; .onnx graphs and their data go to LFS, as on the Hub. */
export function repoFromFolder(id: string, dir: string, commit: string, token?: string): HubRepo {
  const walk = (sub: string): string[] =>
    fs.readdirSync(path.join(dir, sub), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.posix.join(sub, e.name)) : [path.posix.join(sub, e.name)]));
  const files = walk('').map((file) => ({ path: file, bytes: fs.readFileSync(path.join(dir, file)), lfs: /\.onnx(_data)?$/.test(file) }));
  return { id, commit, files, token };
}

export const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
export const gitBlobId = (bytes: Buffer) => createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');

export class HubStandIn {
  readonly requests: RecordedRequest[] = [];
  readonly faults: HubFaults = { truncateOnce: new Set(), corrupt: new Set() };
  /** Bytes sent before each cut connection, by path. */
  readonly cutAt = new Map<string, number>();
  /** Set by a test to answer as a hostile Hub would; cleared with `undefined`. */
  hostile?: Hostility;
  private server?: http.Server;
  url = '';

  /** `repos`: model repositories; `files`: other paths served as they are (a dataset's resolve URLs). */
  constructor(private readonly repos: HubRepo[], private readonly files: Record<string, Buffer> = {}) {}

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => this.answer(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  stop(): Promise<void> {
    // Connections left hanging on purpose would keep close() waiting.
    this.server?.closeAllConnections();
    return new Promise((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  /** Sends the hostile answer for this request, if the test set one; true when it did (or chose silence). */
  private hostileAnswer(res: http.ServerResponse, endpoint: Endpoint, honest?: unknown): boolean {
    const answer = this.hostile?.(endpoint, honest, new URL(res.req.url ?? '/', 'http://hub').pathname);
    if (answer === undefined) return false;
    if (answer === 'hang') return true;
    const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
    res.writeHead(answer.status ?? 200, { 'Content-Type': typeof answer.body === 'string' ? 'text/html' : 'application/json', ...answer.headers }).end(text);
    return true;
  }

  private json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers }).end(JSON.stringify(body));
  }

  private repo(id: string, revision: string): HubRepo | undefined | 'bad-revision' {
    const repo = this.repos.find((r) => r.id === id);
    if (!repo) return undefined;
    return revision === 'main' || revision === repo.commit ? repo : 'bad-revision';
  }

  private answer(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://hub');
    this.requests.push({ method: req.method ?? '', url: url.pathname, range: req.headers.range, authorization: req.headers.authorization });
    const served = this.files[url.pathname];
    if (served) return void res.writeHead(200, { 'Content-Length': String(served.length) }).end(served);
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (parts[0] === 'api' && parts[1] === 'models') {
      const [, , org, name, kind, revision] = parts;
      const repo = this.repo(`${org}/${name}`, revision);
      if (repo === undefined) return this.json(res, 404, { error: 'Repository not found' }, { 'X-Error-Code': 'RepoNotFound' });
      if (repo === 'bad-revision') return this.json(res, 404, { error: `Invalid rev id: ${revision}` }, { 'X-Error-Code': 'RevisionNotFound' });
      if (repo.private && req.headers.authorization !== `Bearer ${repo.token}`) return this.json(res, 401, { error: 'Invalid username or password.' });
      if (kind === 'revision') {
        const info = { _id: repo.id, id: repo.id, sha: repo.commit, gated: repo.token && !repo.private ? 'manual' : false, private: !!repo.private, downloads: 0, likes: 0, lastModified: '2025-01-01T00:00:00.000Z' };
        if (this.hostileAnswer(res, 'info', info)) return;
        return this.json(res, 200, info);
      }
      if (kind === 'tree') {
        const dirs = [...new Set(repo.files.map((f) => path.posix.dirname(f.path)).filter((d) => d !== '.'))];
        const tree = [
          ...dirs.map((d) => ({ type: 'directory', oid: '0'.repeat(40), size: 0, path: d })),
          ...repo.files.map((f) => ({
            type: 'file',
            oid: f.lfs ? gitBlobId(Buffer.from(`version https://git-lfs.github.com/spec/v1\noid sha256:${sha256(f.bytes)}\nsize ${f.bytes.length}\n`)) : gitBlobId(f.bytes),
            size: f.bytes.length,
            path: f.path,
            ...(f.lfs && { lfs: { oid: sha256(f.bytes), size: f.bytes.length, pointerSize: 134 } }),
          })),
        ];
        if (this.hostileAnswer(res, 'tree', tree)) return;
        return this.json(res, 200, tree);
      }
      return this.json(res, 404, { error: 'unknown endpoint' });
    }
    if (this.hostileAnswer(res, parts[0] === 'cdn' ? 'cdn' : 'resolve')) return;
    if (parts[0] === 'cdn') return this.serveBytes(req, res, parts.slice(1).join('/'));
    // /{org}/{name}/resolve/{revision}/{path...}
    const [org, name, resolve, revision, ...rest] = parts;
    const file = rest.join('/');
    const repo = resolve === 'resolve' ? this.repo(`${org}/${name}`, revision) : undefined;
    if (repo === undefined) return this.json(res, 404, { error: 'Repository not found' }, { 'X-Error-Code': 'RepoNotFound' });
    if (repo === 'bad-revision') return this.json(res, 404, { error: `Invalid rev id: ${revision}` }, { 'X-Error-Code': 'RevisionNotFound' });
    if (repo.token && req.headers.authorization !== `Bearer ${repo.token}`) {
      const status = req.headers.authorization ? 403 : 401;
      return this.json(res, status, { error: `Access to model ${repo.id} is restricted.` }, { 'X-Error-Code': 'GatedRepo', 'X-Error-Message': `Access to model ${repo.id} is restricted.` });
    }
    const entry = repo.files.find((f) => f.path === file);
    if (!entry) return this.json(res, 404, { error: 'Entry not found' }, { 'X-Error-Code': 'EntryNotFound' });
    if (entry.lfs) {
      // The Hub redirects LFS files to its CDN, with the commit and hash in headers.
      res.writeHead(302, { Location: `/cdn/${repo.id}/${file}`, 'X-Repo-Commit': repo.commit, 'X-Linked-Etag': `"${sha256(entry.bytes)}"`, 'X-Linked-Size': String(entry.bytes.length) }).end();
      return;
    }
    this.serveBytes(req, res, `${repo.id}/${file}`);
  }

  private serveBytes(req: http.IncomingMessage, res: http.ServerResponse, key: string): void {
    const [org, name, ...rest] = key.split('/');
    const file = rest.join('/');
    const repo = this.repos.find((r) => r.id === `${org}/${name}`);
    const entry = repo?.files.find((f) => f.path === file);
    if (!repo || !entry) return this.json(res, 404, { error: 'not found' });
    let bytes = entry.bytes;
    if (this.faults.corrupt.has(file)) {
      bytes = Buffer.from(bytes);
      bytes[bytes.length >> 1] ^= 0xff;
    }
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const start = range ? Number(range[1]) : 0;
    const body = bytes.subarray(start);
    const headers = { 'Content-Length': String(body.length), ETag: `"${entry.lfs ? sha256(entry.bytes) : gitBlobId(entry.bytes)}"`, 'Accept-Ranges': 'bytes' };
    if (range) res.writeHead(206, { ...headers, 'Content-Range': `bytes ${start}-${bytes.length - 1}/${bytes.length}` });
    else res.writeHead(200, headers);
    if (this.faults.truncateOnce.delete(file)) {
      const half = body.subarray(0, body.length >> 1);
      this.cutAt.set(file, start + half.length);
      res.write(half, () => res.destroy());
      return;
    }
    res.end(body);
  }
}
