import path from 'node:path';
import { UserError } from '../../util/errors.ts';
import type { HubEnvironment, Settings } from '../../util/settings.ts';
import { printable } from '../../util/terminal-text.ts';

/** Where and how cultune talks to the Hub, from the environment variables huggingface_hub reads. */
export interface HubSettings {
  /** $HF_ENDPOINT (a mirror), else https://huggingface.co. */
  endpoint: string;
  /** $HF_TOKEN: needed for gated (Llama) and private models. */
  token?: string;
  /** $HF_HUB_OFFLINE=1: the cache only, no network. */
  offline: boolean;
  cacheDir: string;
  /** Where blobs found intact are stamped (blob-check.ts): in cultune's cache, not the Hub's. */
  checkedDir: string;
  /** $CULTUNE_HUB_TIMEOUT_MS: how long a host may take to answer, and may then stay silent, before the request is dropped. */
  timeoutMs: number;
}

const ENDPOINT_HELP = 'set it to an http(s) address such as https://huggingface.co or a mirror, or unset it';

/**
 * $HF_ENDPOINT (a mirror), else https://huggingface.co, without a trailing slash. Anything but a plain
 * http(s) address is one line: a user name or password in it would go to every request (and be printed
 * in errors), and a query or fragment would break every URL built on it.
 */
function hubEndpoint(hub: HubEnvironment): string {
  const value = hub.endpoint ?? 'https://huggingface.co';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UserError(`HF_ENDPOINT=${printable(value, 100)} is not a URL; ${ENDPOINT_HELP}`);
  }
  if (url.username || url.password) throw new UserError(`HF_ENDPOINT holds a user name or password, which cultune does not send; ${ENDPOINT_HELP} (a token goes in HF_TOKEN)`);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UserError(`HF_ENDPOINT=${printable(value, 100)} is not an http(s) URL; ${ENDPOINT_HELP}`);
  if (url.search || url.hash) throw new UserError(`HF_ENDPOINT=${printable(value, 100)} has a query or fragment, which the Hub's URLs cannot follow; ${ENDPOINT_HELP}`);
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}

/** 30 s, as long as a slow CDN may pause; huggingface_hub waits 10 s (HF_HUB_ETAG_TIMEOUT, HF_HUB_DOWNLOAD_TIMEOUT). */
const DEFAULT_TIMEOUT_MS = 30_000;
/** Node's timers take at most 2^31 - 1 ms; a longer one fires at once. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * $HF_TOKEN, checked before any request. A token goes into an Authorization header, where a line break
 * or any character outside visible ASCII makes fetch throw an error that quotes the header (and so the
 * token). The token itself is never part of a message.
 */
function hubToken(hub: HubEnvironment): string | undefined {
  const { token } = hub;
  if (token === undefined) return undefined;
  if (!/^[\x21-\x7e]+$/.test(token)) {
    throw new UserError(`HF_TOKEN holds a line break, a space or another character no token has (${token.length} characters); set it to the token alone, as https://huggingface.co/settings/tokens shows it`);
  }
  // Hugging Face tokens start with hf_: anything else (a password, another service's key) is not sent anywhere.
  if (!token.startsWith('hf_')) throw new UserError('HF_TOKEN does not look like a Hugging Face token (they start with hf_)');
  return token;
}

function hubTimeoutMs(hub: HubEnvironment): number {
  const text = hub.timeoutMs;
  if (!text) return DEFAULT_TIMEOUT_MS;
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(value >= 1 && value <= MAX_TIMEOUT_MS)) throw new UserError(`CULTUNE_HUB_TIMEOUT_MS=${printable(text, 40)}: expected a whole number of milliseconds from 1 to ${MAX_TIMEOUT_MS}, or unset it (${DEFAULT_TIMEOUT_MS})`);
  return value;
}

/** The Hub's settings, checked before any request. */
export function hubSettings(settings: Pick<Settings, 'hub' | 'cacheRoot'>): HubSettings {
  const { hub } = settings;
  return {
    endpoint: hubEndpoint(hub),
    token: hubToken(hub),
    offline: hub.offline,
    cacheDir: hub.cacheDir,
    checkedDir: path.join(settings.cacheRoot, 'hub-checked'),
    timeoutMs: hubTimeoutMs(hub),
  };
}
