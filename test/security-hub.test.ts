import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { displayPath } from '../src/util/display-path.ts';
import { cultune } from './helpers/in-process.ts';
import { gitBlobId, HubStandIn, repoFromFolder, sha256, type Endpoint, type HostileAnswer, type Hostility, type HubRepo } from './helpers/hub-server.ts';
import { writeHubRepoFolder } from './helpers/hub-model.ts';
import { treeState } from './helpers/tree-state.ts';

/**
 * A hostile Hub (or mirror, via HF_ENDPOINT) against cultune's download, one table per class of attack
 * (docs/security.md): names and paths that would leave the cache, control characters and secrets on
 * the terminal, hosts that never answer, answers of the wrong shape, absurd sizes. Every refusal is one
 * line, and nothing outside the cache is written or read.
 */

const ID = 'onnx-community/SmolLM2-135M-Instruct';
const COMMIT = 'c0ffee'.padEnd(40, '0');

let work: string;
let outside: string;
let hub: HubStandIn;
let repo: HubRepo;
let input: string;
let cache: string;

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'cultune-security-hub-'));
  repo = repoFromFolder(ID, writeHubRepoFolder(work).repo, COMMIT);
  hub = new HubStandIn([repo]);
  await hub.start();
  input = path.join(work, 'prompts.jsonl');
  fs.writeFileSync(input, `${JSON.stringify({ id: 1, prompt: 'How important is it to have a good job?', options: [' 1', ' 2', ' 3'] })}\n`);
  // What an escape from the cache would overwrite, read or link to.
  outside = path.join(work, 'outside');
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(outside, 'secret.json'), '{"api_key": "do-not-read"}\n');
});
afterAll(async () => {
  await hub.stop();
  fs.rmSync(work, { recursive: true, force: true });
});
beforeEach(() => {
  hub.hostile = undefined;
  hub.requests.length = 0;
  cache = fs.mkdtempSync(path.join(work, 'hub-cache-'));
});

function score(flags: string[] = [], env: Record<string, string | undefined> = {}) {
  return cultune(['score', '--model', ID, '--input', input, '--device', 'cpu', ...flags], {
    HF_ENDPOINT: hub.url,
    HF_HUB_CACHE: cache,
    HF_TOKEN: undefined,
    HF_HUB_OFFLINE: undefined,
    CULTUNE_HUB_TIMEOUT_MS: undefined,
    CULTUNE_CACHE: path.join(work, 'cultune-cache'),
    ...env,
  });
}

/** stderr without the progress line a download starts with. */
const messages = (stderr: string) => stderr.split('\n').filter((line) => line !== '' && !/^cultune: downloading \d+ file/.test(line));
const repoDir = () => path.join(cache, `models--${ID.replace('/', '--')}`);
const fileOf = (name: string) => repo.files.find((f) => f.path === name)!;
const downloads = () => hub.requests.filter((r) => r.url.includes('/resolve/') || r.url.startsWith('/cdn/'));
const requestsTo = (endpoint: Endpoint) => hub.requests.filter((r) => endpointOf(r.url) === endpoint);
function endpointOf(url: string): Endpoint {
  if (url.startsWith('/cdn/')) return 'cdn';
  if (url.includes('/revision/')) return 'info';
  return url.includes('/tree/') ? 'tree' : 'resolve';
}

/** A hostile Hub that changes one endpoint's honest JSON (a copy) and answers the rest honestly. */
function edit(endpoint: 'info' | 'tree', change: (honest: any) => unknown): Hostility {
  return (reached, honest) => (reached === endpoint ? { body: change(structuredClone(honest)) } : undefined);
}
const answer = (endpoint: Endpoint, hostile: HostileAnswer): Hostility => (reached) => (reached === endpoint ? hostile : undefined);
const addFile = (entry: Record<string, unknown>) => edit('tree', (tree: unknown[]) => [...tree, { type: 'file', oid: gitBlobId(Buffer.from('x')), size: 1, ...entry }]);
const editFile = (file: string, change: (entry: any) => void) =>
  edit('tree', (tree: any[]) => {
    change(tree.find((entry) => entry.path === file));
    return tree;
  });
const notTheHub = (what: string, why: string) => `cultune: ${hub.url} answered ${what} with ${why}, not what the Hub sends; check HF_ENDPOINT`;
const listing = `the file list of ${ID}`;

interface Row {
  name: string;
  hostile?: () => Hostility;
  flags?: string[];
  env?: () => Record<string, string>;
  /** The one line expected, built from the definition of each check. */
  line: () => string;
}

describe('names and paths from the Hub or --revision are checked against their grammar: nothing lands or is read outside the cache', () => {
  const rows: Row[] = [
    {
      name: 'a listed path that climbs out after a legitimate prefix',
      hostile: () => addFile({ path: 'onnx/model.onnx_data_1/../../../../../outside/secret.json' }),
      line: () => notTheHub(listing, 'the path "onnx/model.onnx_data_1/../../../../../outside/secret.json", which has a . or .. part'),
    },
    { name: 'an absolute listed path', hostile: () => addFile({ path: `${outside}/secret.json` }), line: () => notTheHub(listing, `the path "${outside}/secret.json", which is absolute`) },
    { name: 'a drive letter', hostile: () => addFile({ path: 'C:/outside/secret.json' }), line: () => notTheHub(listing, 'the path "C:/outside/secret.json", which is absolute') },
    { name: 'backslashes', hostile: () => addFile({ path: 'onnx\\..\\..\\secret.json' }), line: () => notTheHub(listing, 'the path "onnx\\..\\..\\secret.json", which holds a backslash') },
    { name: 'an empty part', hostile: () => addFile({ path: 'onnx//model.onnx_data_1' }), line: () => notTheHub(listing, 'the path "onnx//model.onnx_data_1", which has an empty part (// or a trailing /)') },
    {
      name: 'a commit with ../ parts',
      hostile: () => edit('info', (info) => ({ ...info, sha: '../../../outside/snapshot' })),
      line: () => notTheHub(ID, 'the commit "../../../outside/snapshot" (a commit is 40 hex digits)'),
    },
    { name: 'a commit of 39 digits', hostile: () => edit('info', (info) => ({ ...info, sha: 'a'.repeat(39) })), line: () => notTheHub(ID, `the commit "${'a'.repeat(39)}" (a commit is 40 hex digits)`) },
    {
      name: 'a git blob id with ../ parts (would link config.json to a file outside)',
      hostile: () => editFile('config.json', (entry) => (entry.oid = '../../../../outside/secret.json')),
      line: () => notTheHub(listing, 'a git blob id that is not 40 hex digits for config.json'),
    },
    {
      name: 'an LFS sha256 of 63 digits',
      hostile: () => editFile('onnx/model.onnx', (entry) => (entry.lfs.oid = entry.lfs.oid.slice(1))),
      line: () => notTheHub(listing, 'an LFS sha256 that is not 64 hex digits for onnx/model.onnx'),
    },
    {
      name: '--revision with ../ parts (would write a ref file outside)',
      flags: ['--revision', '../../../outside/ref'],
      line: () => 'cultune: --revision ../../../outside/ref is not a branch, tag or commit name (it holds ".." or "@{"); give e.g. main, v1.0 or a 40-digit commit',
    },
    {
      name: 'an absolute --revision',
      flags: ['--revision', '/tmp/outside/ref'],
      line: () => `cultune: --revision /tmp/outside/ref is not a branch, tag or commit name (it has an empty part (a leading, trailing or double /)); give e.g. main, v1.0 or a 40-digit commit`,
    },
    {
      name: 'an absolute --revision offline',
      flags: ['--revision', '/etc'],
      env: () => ({ HF_HUB_OFFLINE: '1' }),
      line: () => 'cultune: --revision /etc is not a branch, tag or commit name (it has an empty part (a leading, trailing or double /)); give e.g. main, v1.0 or a 40-digit commit',
    },
    {
      name: 'a --model-file that climbs out',
      flags: ['--model-file', '../../../outside/secret.json'],
      line: () => 'cultune: --model-file ../../../outside/secret.json is not a path inside the repository (it has a . or .. part); give e.g. onnx/model_fp16.onnx',
    },
  ];
  it.each(rows)('$name', async (row) => {
    hub.hostile = row.hostile?.();
    const before = treeState(outside);
    const run = await score(row.flags, row.env?.());
    expect(run.code).toBe(1);
    expect(messages(run.stderr)).toEqual([row.line()]);
    expect(treeState(outside)).toEqual(before);
    expect(downloads()).toEqual([]);
    expect(fs.existsSync(path.join(repoDir(), 'snapshots'))).toBe(false);
    expect(fs.existsSync(path.join(repoDir(), 'refs'))).toBe(false);
  });
});

/** Every character a terminal acts on instead of printing: C0 (the final line feed aside), DEL, C1, bidi overrides. */
const TERMINAL_CONTROLS = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;
/** Every run of four characters of a secret: none may appear in the output. */
const pieces = (secret: string) => [...secret.replace(/\s/g, '')].map((_, i, chars) => chars.slice(i, i + 4).join('')).filter((piece) => piece.length === 4);

describe('control characters from the Hub never reach the terminal, and HF_TOKEN is never printed', () => {
  const rows: (Row & { secret?: string })[] = [
    {
      name: 'an error body with an OSC title, a clear-screen, colours and a forged second line',
      hostile: () => answer('info', { status: 404, body: { error: '\x1b]0;owned\x07\x1b[2J\x1b[31mRepository gone\x1b[0m\r\ncultune: all fine' } }),
      line: () => `cultune: ${ID} not found on ${hub.url} (HTTP 404: Repository gone cultune: all fine)`,
    },
    {
      name: 'an X-Error-Message header with a C1 control sequence introducer',
      hostile: () => answer('resolve', { status: 403, headers: { 'X-Error-Message': 'Access denied\x9b2J' }, body: { error: 'denied' } }),
      line: () => `cultune: ${ID}/config.json: HF_TOKEN has no access to ${ID} (HTTP 403: Access denied); accept its licence at ${hub.url}/${ID}`,
    },
    {
      name: 'an HTML page with escape sequences instead of the listing',
      hostile: () => answer('tree', { body: '<html>\x1b[5m<title>Mirror\u202e</title>' }),
      line: () => notTheHub(listing, 'something that is not JSON (text/html: "<html><title>Mirror</title>")'),
    },
    {
      name: 'a listed path holding an escape sequence',
      hostile: () => addFile({ path: 'onnx/\x1b[31mmodel.onnx_data_1' }),
      line: () => notTheHub(listing, 'the path "onnx/model.onnx_data_1", which holds control characters'),
    },
    ...['hf_Zq9XkV\nWp4Jr', 'hf_Zq9Xk\u00e9Wp4Jr', 'hf_Zq9XkV Wp4Jr', 'hf_Zq9XkV\x1b[2JWp4Jr'].map((token) => ({
      name: `HF_TOKEN ${JSON.stringify(token)}`,
      env: () => ({ HF_TOKEN: token }),
      secret: token,
      line: () =>
        `cultune: HF_TOKEN holds a line break, a space or another character no token has (${token.length} characters); set it to the token alone, as https://huggingface.co/settings/tokens shows it`,
    })),
  ];
  it.each(rows)('$name', async (row) => {
    hub.hostile = row.hostile?.();
    const run = await score(row.flags, row.env?.());
    expect(run.code).toBe(1);
    expect(messages(run.stderr)).toEqual([row.line()]);
    expect(run.stderr).not.toMatch(TERMINAL_CONTROLS);
    for (const piece of row.secret ? pieces(row.secret) : []) expect(run.stderr).not.toContain(piece);
    // A token that cannot be sent is refused before any request.
    if (row.secret) expect(hub.requests).toEqual([]);
  });
  it('HF_TOKEN goes to HF_ENDPOINT only, not to the host a download is redirected to', async () => {
    const token = 'hf_Zq9XkVWp4Jr';
    const other = new HubStandIn([], Object.fromEntries(repo.files.map((f) => [`/elsewhere/${f.path}`, f.bytes])));
    await other.start();
    try {
      hub.hostile = (endpoint, _, pathname) => (endpoint === 'resolve' ? { status: 302, headers: { Location: `${other.url}/elsewhere/${pathname.split(`/resolve/${COMMIT}/`)[1]}` }, body: '' } : undefined);
      const run = await score([], { HF_TOKEN: token });
      expect(run.code, run.stderr).toBe(0);
      expect(other.requests.length).toBeGreaterThan(0);
      expect(other.requests.map((r) => r.authorization)).toEqual(other.requests.map(() => undefined));
      expect(hub.requests.map((r) => r.authorization)).toEqual(hub.requests.map(() => `Bearer ${token}`));
    } finally {
      await other.stop();
    }
  });
});

describe('a host that accepts the connection and never answers is dropped after the timeout, asked once more, and named', () => {
  const TIMEOUT_MS = 200;
  const silent = `no answer within ${TIMEOUT_MS / 1000} s`;
  const rows: { name: string; endpoint: Endpoint; asked: number; line: () => string }[] = [
    { name: 'the model info', endpoint: 'info', asked: 2, line: () => `cultune: cannot reach ${hub.url}: ${silent} (asked twice), and ${ID} is not in the Hub cache ${displayPath(repoDir())}: set HF_ENDPOINT to a reachable Hub mirror, or pass --model with a local folder holding the ONNX export` },
    { name: 'the listing', endpoint: 'tree', asked: 2, line: () => `cultune: cannot reach ${hub.url}: ${silent} (asked twice), and ${ID} is not in the Hub cache ${displayPath(repoDir())}: set HF_ENDPOINT to a reachable Hub mirror, or pass --model with a local folder holding the ONNX export` },
    {
      // A file download resumes up to five times (blob-download.ts) before it gives up.
      name: 'the CDN an LFS file is redirected to',
      endpoint: 'cdn',
      asked: 5,
      line: () => `cultune: download of ${hub.url}/${ID}/resolve/${COMMIT}/onnx/model.onnx stopped at 0 of ${fileOf('onnx/model.onnx').bytes.length} bytes (${hub.url}: ${silent}); run the command again to resume it`,
    },
  ];
  it.each(rows)('$name', async (row) => {
    hub.hostile = answer(row.endpoint, 'hang');
    const run = await score([], { CULTUNE_HUB_TIMEOUT_MS: String(TIMEOUT_MS) });
    expect(run.code).toBe(1);
    expect(messages(run.stderr)).toEqual([row.line()]);
    expect(requestsTo(row.endpoint)).toHaveLength(row.asked);
  });

  it('a silent Hub with the model cached: the cached snapshot serves, with one line saying why', async () => {
    expect((await score()).code).toBe(0);
    hub.hostile = answer('info', 'hang');
    const run = await score([], { CULTUNE_HUB_TIMEOUT_MS: String(TIMEOUT_MS) });
    expect(run.code, run.stderr).toBe(0);
    expect(messages(run.stderr)).toContain(`cultune: cannot reach ${hub.url}: ${silent} (asked twice); using the cached snapshot ${COMMIT.slice(0, 12)} of ${ID}`);
  });

  it.each(['0', '1e3', '2147483648', 'soon'])('CULTUNE_HUB_TIMEOUT_MS=%s is one line', async (value) => {
    const run = await score([], { CULTUNE_HUB_TIMEOUT_MS: value });
    expect(messages(run.stderr)).toEqual([`cultune: CULTUNE_HUB_TIMEOUT_MS=${value}: expected a whole number of milliseconds from 1 to ${2 ** 31 - 1}, or unset it (30000)`]);
    expect(hub.requests).toEqual([]);
  });
});

describe('answers of the wrong shape, odd settings and damaged cached files are one line each', () => {
  const endpointHelp = 'set it to an http(s) address such as https://huggingface.co or a mirror, or unset it';
  const rows: Row[] = [
    { name: 'HF_ENDPOINT with another scheme', env: () => ({ HF_ENDPOINT: 'ftp://mirror.example' }), line: () => `cultune: HF_ENDPOINT=ftp://mirror.example is not an http(s) URL; ${endpointHelp}` },
    { name: 'HF_ENDPOINT that is no URL', env: () => ({ HF_ENDPOINT: 'mirror example' }), line: () => `cultune: HF_ENDPOINT=mirror example is not a URL; ${endpointHelp}` },
    {
      name: 'HF_ENDPOINT with a password (never printed)',
      env: () => ({ HF_ENDPOINT: 'https://me:pa55word@mirror.example' }),
      line: () => `cultune: HF_ENDPOINT holds a user name or password, which cultune does not send; ${endpointHelp} (a token goes in HF_TOKEN)`,
    },
    { name: 'HF_ENDPOINT with a query', env: () => ({ HF_ENDPOINT: 'https://mirror.example/?a=1' }), line: () => `cultune: HF_ENDPOINT=https://mirror.example/?a=1 has a query or fragment, which the Hub's URLs cannot follow; ${endpointHelp}` },
    { name: 'an HTML page for the model info', hostile: () => answer('info', { body: '<!doctype html><p>Welcome' }), line: () => notTheHub(ID, 'something that is not JSON (text/html: "<!doctype html><p>Welcome")') },
    { name: 'a list for the model info', hostile: () => answer('info', { body: [] }), line: () => notTheHub(ID, 'JSON that is not an object') },
    { name: 'an object for the listing', hostile: () => answer('tree', { body: { files: [] } }), line: () => notTheHub(listing, 'JSON that is not a list') },
    { name: 'an entry of an unknown type', hostile: () => addFile({ type: 'symlink', path: 'x' }), line: () => notTheHub(listing, 'an entry of type "symlink"') },
    { name: 'a negative size', hostile: () => editFile('config.json', (entry) => (entry.size = -1)), line: () => notTheHub(listing, 'a size that is not a whole number of bytes for config.json') },
    { name: 'a size as text', hostile: () => editFile('config.json', (entry) => (entry.size = '12')), line: () => notTheHub(listing, 'a size that is not a whole number of bytes for config.json') },
    {
      name: 'HF_HUB_OFFLINE=1 with an odd revision',
      flags: ['--revision', 'v1..2'],
      env: () => ({ HF_HUB_OFFLINE: '1' }),
      line: () => 'cultune: --revision v1..2 is not a branch, tag or commit name (it holds ".." or "@{"); give e.g. main, v1.0 or a 40-digit commit',
    },
  ];
  it.each(rows)('$name', async (row) => {
    hub.hostile = row.hostile?.();
    const run = await score(row.flags, row.env?.());
    expect(run.code).toBe(1);
    expect(messages(run.stderr)).toEqual([row.line()]);
    expect(run.stderr).not.toContain('pa55word');
    expect(downloads()).toEqual([]);
  });

  it('HF_HUB_OFFLINE=1 with a ref file that names no commit', async () => {
    const ref = path.join(repoDir(), 'refs', 'main');
    fs.mkdirSync(path.dirname(ref), { recursive: true });
    fs.writeFileSync(ref, '../../../outside');
    const run = await score([], { HF_HUB_OFFLINE: '1' });
    expect(messages(run.stderr)).toEqual([`cultune: ${displayPath(ref)} holds no commit (40 hex digits); delete it, and the next run with the Hub reachable writes it again`]);
  });

  /** The blob of a repository file, named by its sha256 (LFS) as huggingface_hub names it. */
  const blobOf = (file: string) => path.join(repoDir(), 'blobs', sha256(fileOf(file).bytes));
  const damages: { name: string; damage: (file: string) => void; why: () => string }[] = [
    { name: 'truncated', damage: (file) => fs.truncateSync(blobOf(file), fileOf(file).bytes.length >> 1), why: () => 'its blob no longer matches the hash it is named by (truncated or changed)' },
    {
      name: 'linked outside the cache',
      damage: (file) => {
        const link = path.join(repoDir(), 'snapshots', COMMIT, file);
        fs.rmSync(link);
        fs.symlinkSync(path.join(outside, 'secret.json'), link);
      },
      why: () => `it links outside ${displayPath(path.join(repoDir(), 'blobs'))}`,
    },
  ];
  it.each(damages)('a cached file $name: refused offline in one line, downloaded again online', async ({ damage, why }) => {
    const file = 'onnx/model.onnx_data';
    const first = await score();
    expect(first.code, first.stderr).toBe(0);
    damage(file);
    const offline = await score([], { HF_HUB_OFFLINE: '1' });
    expect(offline.code).toBe(1);
    expect(messages(offline.stderr)).toEqual([
      `cultune: HF_HUB_OFFLINE=1 forbids downloads, and the cached ${file} of ${ID} cannot be used: ${why()}; it is downloaded again once the Hub can be reached (with HF_HUB_OFFLINE unset)`,
    ]);
    hub.requests.length = 0;
    const online = await score();
    expect(online.code, online.stderr).toBe(0);
    expect(online.stdout).toBe(first.stdout);
    expect(fs.readFileSync(path.join(repoDir(), 'snapshots', COMMIT, file))).toEqual(fileOf(file).bytes);
    expect(fs.readFileSync(path.join(outside, 'secret.json'), 'utf8')).toBe('{"api_key": "do-not-read"}\n');
  });
});

describe('a listed size the Hub cannot hold, or more than the free disk, is refused before the first byte', () => {
  it('a file of 10^15 bytes', async () => {
    hub.hostile = editFile('onnx/model.onnx_data', (entry) => (entry.size = entry.lfs.size = 1e15));
    const run = await score();
    expect(messages(run.stderr)).toEqual([notTheHub(listing, "a size of 1000000000000000 bytes for onnx/model.onnx_data, above the Hub's limit of 50 GB per file")]);
    expect(downloads()).toEqual([]);
  });

  it('external data files that together exceed the free disk', async () => {
    // Files within the Hub's 50 GB limit, as many as it takes to pass the disk's free space.
    const free = fs.statfsSync(cache).bavail * fs.statfsSync(cache).bsize;
    const each = 45e9;
    const count = Math.ceil(free / each) + 1;
    const extra = Array.from({ length: count }, (_, i) => ({ type: 'file', path: `onnx/model.onnx_data_${i + 1}`, oid: '1'.repeat(40), size: 134, lfs: { oid: `${i}`.padStart(64, 'a'), size: each, pointerSize: 134 } }));
    hub.hostile = edit('tree', (tree: unknown[]) => [...tree, ...extra]);
    const run = await score();
    const [line, ...rest] = messages(run.stderr);
    expect(rest).toEqual([]);
    const [, needed, available] = /^cultune: .* needs ([\d.]+) GB more in .*, and that disk has ([\d.]+) GB free; free some space, or set HF_HUB_CACHE to a folder on another disk$/.exec(line) ?? [];
    const listed = repo.files.filter((f) => ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'generation_config.json', 'onnx/model.onnx', 'onnx/model.onnx_data'].includes(f.path));
    expect(Number(needed)).toBeCloseTo((count * each + listed.reduce((sum, f) => sum + f.bytes.length, 0)) / 1e9, 2);
    expect(Math.abs(Number(available) * 1e9 - free)).toBeLessThan(1e9);
    expect(downloads()).toEqual([]);
  });
});
