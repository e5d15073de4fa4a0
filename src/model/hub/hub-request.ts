import { UserError, describeFetchFailure } from '../../util/errors.ts';
import { printable } from '../../util/terminal-text.ts';
import type { HubSettings } from './hub-settings.ts';

/**
 * HTTP GETs to the Hub (or the mirror HF_ENDPOINT names) and the hosts it redirects to, each under a
 * watchdog: a host that does not answer, or stops sending, within the timeout is dropped and named.
 */

/** A host could not be reached or did not answer: the cache may still serve. */
export class HubUnreachable extends UserError {}

/** The Hub redirects LFS files once, to its CDN; a chain longer than this is a loop. */
const MAX_REDIRECTS = 5;
/** The largest API answer read: a page of the tree listing (1,000 entries) is a few hundred kB. */
const MAX_API_BYTES = 32 * 2 ** 20;

const seconds = (ms: number) => `${ms / 1000} s`;

/** Drops a request when its host stays silent for `timeoutMs` (before the answer, or between two chunks of it). */
export class Watchdog {
  readonly controller = new AbortController();
  /** The origin asked last (after redirects), for the message. */
  origin = '';
  private timer?: NodeJS.Timeout;

  constructor(private readonly timeoutMs: number) {}

  /** (Re)starts the countdown: when a request starts and whenever bytes arrive. */
  touch(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.controller.abort(), this.timeoutMs);
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  /** Why the request failed: the silence, or the network's reason, without the host (see `origin`). */
  reason(error: unknown): string {
    return this.controller.signal.aborted ? `no answer within ${seconds(this.timeoutMs)}` : printable(describeFetchFailure(error), 200);
  }
}

/**
 * GETs `url`, following redirects by hand so that the watchdog always knows which host it waits for,
 * and HF_TOKEN goes only to the endpoint's own origin (fetch and huggingface_hub's requests also drop
 * Authorization on a redirect to another host: the Hub's CDN URLs carry their own signature).
 * Network failures and the watchdog's abort are thrown as fetch throws them.
 */
export async function hubGet(settings: HubSettings, url: string, watchdog: Watchdog, headers: Record<string, string> = {}): Promise<Response> {
  const endpointOrigin = new URL(settings.endpoint).origin;
  let current = new URL(url);
  for (let hop = 0; ; hop++) {
    watchdog.origin = current.origin;
    const auth: Record<string, string> = settings.token && current.origin === endpointOrigin ? { Authorization: `Bearer ${settings.token}` } : {};
    watchdog.touch();
    const response = await fetch(current, { headers: { ...headers, ...auth }, redirect: 'manual', signal: watchdog.controller.signal });
    if (![301, 302, 303, 307, 308].includes(response.status)) return response;
    await response.body?.cancel();
    const location = response.headers.get('location');
    const next = location === null ? undefined : URL.canParse(location, current) ? new URL(location, current) : undefined;
    if (!next || (next.protocol !== 'http:' && next.protocol !== 'https:')) throw new UserError(`${current.origin} redirected ${url} to no http(s) address; check HF_ENDPOINT`);
    if (hop === MAX_REDIRECTS) throw new UserError(`${current.origin} redirected ${url} more than ${MAX_REDIRECTS} times; check HF_ENDPOINT`);
    current = next;
  }
}

/** An API answer read whole: its status, headers and text. */
export interface HubAnswer {
  status: number;
  headers: Headers;
  text: string;
  /** The URL that answered (after redirects), for a Link header relative to it. */
  url: string;
}

async function readCapped(response: Response, watchdog: Watchdog, what: string, maxBytes: number): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of (response.body ?? []) as AsyncIterable<Uint8Array>) {
    watchdog.touch();
    total += chunk.length;
    if (total > maxBytes) throw new UserError(`${watchdog.origin} answered more than ${maxBytes / 2 ** 20} MiB for ${what}, which no Hub answer is; check HF_ENDPOINT`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** An answer read whole: its status, headers and bytes. */
export interface HubBytes {
  status: number;
  headers: Headers;
  body: Buffer;
  /** The URL that answered (after redirects). */
  url: string;
}

/**
 * One GET read whole (at most `maxBytes`) under the watchdog. A host that cannot be reached or does
 * not answer in time is asked once more (huggingface_hub retries too), then reported as
 * HubUnreachable, naming it.
 */
export async function hubGetWhole(settings: HubSettings, url: string, what: string, maxBytes: number, headers: Record<string, string> = {}): Promise<HubBytes> {
  let reason = '';
  let origin = new URL(url).origin;
  for (let attempt = 1; attempt <= 2; attempt++) {
    const watchdog = new Watchdog(settings.timeoutMs);
    try {
      const response = await hubGet(settings, url, watchdog, headers);
      const body = await readCapped(response, watchdog, what, maxBytes);
      return { status: response.status, headers: response.headers, body, url: response.url || url };
    } catch (error) {
      if (error instanceof UserError) throw error;
      reason = watchdog.reason(error);
      origin = watchdog.origin;
    } finally {
      watchdog.stop();
    }
  }
  throw new HubUnreachable(`cannot reach ${origin}: ${reason} (asked twice)`);
}

/** One API call (at most 32 MiB), as hubGetWhole asks it, with the answer as text. */
export async function hubApiGet(settings: HubSettings, url: string, what: string): Promise<HubAnswer> {
  const answer = await hubGetWhole(settings, url, what, MAX_API_BYTES, { Accept: 'application/json' });
  return { status: answer.status, headers: answer.headers, text: answer.body.toString('utf8'), url: answer.url };
}
