import { UserError } from '../../util/errors.ts';
import { printable } from '../../util/terminal-text.ts';
import type { ExpectedBlob } from './blob-download.ts';
import { isBlobHash, isCommitHash, repoPathProblem } from './hub-names.ts';
import { hubApiGet, type HubAnswer } from './hub-request.ts';
import type { HubSettings } from './hub-settings.ts';

/**
 * The two Hub API calls cultune makes, with every answer checked against the shape the Hub gives
 * (https://huggingface.co/docs/hub/api): a mirror or a compromised host may answer anything, and what it
 * answers becomes folder and file names in the cache.
 */

/** A file of the repository as the tree API lists it: its path and what its bytes must be. */
export interface ListedFile {
  path: string;
  blob: ExpectedBlob;
}

/** The largest file the Hub stores: "Per file: 50GB max" (huggingface.co/docs/hub/storage-limits). */
export const MAX_HUB_FILE_BYTES = 50e9;
/** Pages of a tree listing followed (1,000 entries each on the Hub): more is a loop. */
const MAX_TREE_PAGES = 1000;

/** One line for an HTTP error of the Hub about `repoId`, by status, with the Hub's own words made printable. */
export function hubHttpError(settings: HubSettings, repoId: string, status: number, detail: string, what = repoId): UserError {
  const why = detail ? `: ${printable(detail, 200)}` : '';
  if (status === 401) {
    return new UserError(
      settings.token
        ? `${what}: the Hub refused HF_TOKEN (HTTP 401${why})`
        : `${what} needs a Hugging Face token: it is gated or private, or does not exist (HTTP 401${why}); set HF_TOKEN, after accepting the model's licence at ${settings.endpoint}/${repoId}`,
    );
  }
  if (status === 403) return new UserError(`${what}: HF_TOKEN has no access to ${repoId} (HTTP 403${why}); accept its licence at ${settings.endpoint}/${repoId}`);
  if (status === 404) return new UserError(`${what} not found on ${settings.endpoint} (HTTP 404${why})`);
  return new UserError(`${settings.endpoint} answered HTTP ${status} for ${what}${why}`);
}

/** The Hub's explanation of an error: X-Error-Message, else the `error` (or `message`) of a JSON body. */
function errorDetail(answer: HubAnswer): string {
  const header = answer.headers.get('x-error-message');
  if (header) return header;
  try {
    const body: unknown = JSON.parse(answer.text);
    const text = (body as { error?: unknown; message?: unknown }).error ?? (body as { message?: unknown }).message;
    return typeof text === 'string' ? text : '';
  } catch {
    return '';
  }
}

const notTheHub = (settings: HubSettings, what: string, why: string) => new UserError(`${settings.endpoint} answered ${what} with ${why}, not what the Hub sends; check HF_ENDPOINT`);

/** A 2xx answer's JSON; an HTTP error, or a body that is not JSON (an HTML page), as one line. */
async function getJson(settings: HubSettings, repoId: string, url: string, what: string): Promise<{ body: unknown; answer: HubAnswer }> {
  const answer = await hubApiGet(settings, url, what);
  if (answer.status < 200 || answer.status > 299) throw hubHttpError(settings, repoId, answer.status, errorDetail(answer), what);
  try {
    return { body: JSON.parse(answer.text), answer };
  } catch {
    const type = answer.headers.get('content-type') ?? 'no content type';
    throw notTheHub(settings, what, `something that is not JSON (${printable(type, 60)}: "${printable(answer.text, 60)}")`);
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isSize = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;

/**
 * The commit a branch, tag or commit of a model repository points to now (GET /api/models/{id}/revision/{rev}).
 * A gated model without HF_TOKEN is refused here, before any download starts.
 */
export async function resolveCommit(settings: HubSettings, repoId: string, revision: string): Promise<string> {
  const what = revision === 'main' ? repoId : `${repoId} at revision ${revision}`;
  const url = `${settings.endpoint}/api/models/${repoId}/revision/${encodeURIComponent(revision)}?expand=sha&expand=gated`;
  const { body } = await getJson(settings, repoId, url, what);
  if (!isRecord(body)) throw notTheHub(settings, what, 'JSON that is not an object');
  if (body.gated && !settings.token) {
    throw new UserError(`${repoId} is gated: set HF_TOKEN to a token of an account that has accepted its licence at ${settings.endpoint}/${repoId}`);
  }
  if (typeof body.sha !== 'string' || !isCommitHash(body.sha)) {
    throw notTheHub(settings, what, `the commit ${printable(JSON.stringify(body.sha) ?? 'undefined', 60)} (a commit is 40 hex digits)`);
  }
  return body.sha;
}

/** One entry of a tree listing as a file (undefined for a folder), or why it is not what the Hub lists. */
function parseEntry(entry: unknown): ListedFile | undefined | string {
  if (!isRecord(entry)) return 'an entry that is not an object';
  if (entry.type === 'directory') return undefined;
  if (entry.type !== 'file') return `an entry of type ${printable(JSON.stringify(entry.type) ?? 'undefined', 40)}`;
  if (typeof entry.path !== 'string') return 'a file without a path';
  const problem = repoPathProblem(entry.path);
  if (problem) return `the path "${printable(entry.path, 120)}", which ${problem}`;
  const where = `for ${entry.path}`;
  if (entry.lfs !== undefined) {
    if (!isRecord(entry.lfs) || typeof entry.lfs.oid !== 'string' || !isBlobHash(entry.lfs.oid, 'lfs')) return `an LFS sha256 that is not 64 hex digits ${where}`;
    if (!isSize(entry.lfs.size)) return `an LFS size that is not a whole number of bytes ${where}`;
    return { path: entry.path, blob: { size: entry.lfs.size, digest: { algorithm: 'sha256', hex: entry.lfs.oid } } };
  }
  if (typeof entry.oid !== 'string' || !isBlobHash(entry.oid, 'git')) return `a git blob id that is not 40 hex digits ${where}`;
  if (!isSize(entry.size)) return `a size that is not a whole number of bytes ${where}`;
  return { path: entry.path, blob: { size: entry.size, digest: { algorithm: 'git-sha1', hex: entry.oid } } };
}

/** The next page of a paginated listing, from the Link header (RFC 8288) the Hub sends. */
function nextPage(answer: HubAnswer): string | undefined {
  const link = /<([^>]*)>\s*;\s*rel="?next"?/.exec(answer.headers.get('link') ?? '')?.[1];
  return link === undefined ? undefined : URL.canParse(link, answer.url) ? new URL(link, answer.url).href : undefined;
}

/**
 * Every file of the repository at a commit, with sizes and hashes (GET /api/models/{id}/tree/{commit},
 * recursive, following its pages). A listing of another shape, a path that climbs out of the repository,
 * a hash that is not one, or a size the Hub cannot hold is one line; nothing is downloaded then.
 */
export async function listRepoFiles(settings: HubSettings, repoId: string, commit: string): Promise<ListedFile[]> {
  const what = `the file list of ${repoId}`;
  const files: ListedFile[] = [];
  let url: string | undefined = `${settings.endpoint}/api/models/${repoId}/tree/${commit}?recursive=true&expand=false`;
  for (let page = 1; url !== undefined; page++) {
    if (page > MAX_TREE_PAGES) throw notTheHub(settings, what, `more than ${MAX_TREE_PAGES} pages`);
    const { body, answer } = await getJson(settings, repoId, url, what);
    if (!Array.isArray(body)) throw notTheHub(settings, what, 'JSON that is not a list');
    for (const entry of body) {
      const file = parseEntry(entry);
      if (typeof file === 'string') throw notTheHub(settings, what, file);
      if (file && file.blob.size > MAX_HUB_FILE_BYTES) {
        throw notTheHub(settings, what, `a size of ${file.blob.size} bytes for ${file.path}, above the Hub's limit of ${MAX_HUB_FILE_BYTES / 1e9} GB per file`);
      }
      if (file) files.push(file);
    }
    url = nextPage(answer);
  }
  return files;
}
