import { HubApiError, listFiles, modelInfo, type ListFileEntry } from '@huggingface/hub';
import { UserError, describeFetchFailure } from '../../util/errors.ts';
import type { HubSettings } from './hub-settings.ts';

/** The Hub (or the mirror) could not be reached at all: the cache may still serve. */
export class HubUnreachable extends UserError {}

/** One line for an HTTP error of the Hub about `repoId`, by status (and the Hub's X-Error-Code when known). */
export function hubHttpError(settings: HubSettings, repoId: string, status: number, detail: string, what = repoId): UserError {
  const why = detail ? `: ${detail}` : '';
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

/** huggingface.js errors as one line: HTTP errors by status, network failures as HubUnreachable. */
function translate(error: unknown, settings: HubSettings, repoId: string, what: string): Error {
  if (error instanceof HubApiError) {
    // Its message ends with ". URL: ...; Request ID: ...": the status and the Hub's own words are enough.
    const detail = (error.message ?? '').split('. URL: ')[0].replace(/\s+/g, ' ').trim();
    return hubHttpError(settings, repoId, error.statusCode, detail === `Api error with status ${error.statusCode}` ? '' : detail, what);
  }
  if (error instanceof TypeError && /fetch failed/.test(error.message)) {
    return new HubUnreachable(`cannot reach ${settings.endpoint}: ${describeFetchFailure(error)}`);
  }
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * The commit a branch, tag or commit of a model repository points to now (huggingface.js modelInfo).
 * A gated model without HF_TOKEN is refused here, before any download starts.
 */
export async function resolveCommit(settings: HubSettings, repoId: string, revision: string): Promise<string> {
  let info: { sha?: unknown; gated?: unknown };
  try {
    info = await modelInfo({ name: repoId, revision, additionalFields: ['sha'], hubUrl: settings.endpoint, accessToken: settings.token });
  } catch (error) {
    throw translate(error, settings, repoId, revision === 'main' ? repoId : `${repoId} at revision ${revision}`);
  }
  if (info.gated && !settings.token) {
    throw new UserError(`${repoId} is gated: set HF_TOKEN to a token of an account that has accepted its licence at ${settings.endpoint}/${repoId}`);
  }
  if (typeof info.sha !== 'string') throw new UserError(`${settings.endpoint} gave no commit for ${repoId} at ${revision}`);
  return info.sha;
}

/** Every file of the repository at a commit, with sizes and (for LFS files) the sha256 (huggingface.js listFiles, the tree API). */
export async function listRepoFiles(settings: HubSettings, repoId: string, commit: string): Promise<ListFileEntry[]> {
  try {
    const files: ListFileEntry[] = [];
    for await (const entry of listFiles({ repo: { type: 'model', name: repoId }, revision: commit, recursive: true, hubUrl: settings.endpoint, accessToken: settings.token })) {
      if (entry.type === 'file') files.push(entry);
    }
    return files;
  } catch (error) {
    throw translate(error, settings, repoId, repoId);
  }
}
