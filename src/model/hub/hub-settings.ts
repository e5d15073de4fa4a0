import { UserError } from '../../util/errors.ts';
import { hubEndpoint, hubOffline } from '../../util/hub-env.ts';
import { printable } from '../../util/terminal-text.ts';
import { hubCacheDir } from './cache-layout.ts';

/** Where and how cultune talks to the Hub, from the environment variables huggingface_hub reads. */
export interface HubSettings {
  /** $HF_ENDPOINT (a mirror), else https://huggingface.co. */
  endpoint: string;
  /** $HF_TOKEN: needed for gated (Llama) and private models. */
  token?: string;
  /** $HF_HUB_OFFLINE=1: the cache only, no network. */
  offline: boolean;
  cacheDir: string;
  /** $CULTUNE_HUB_TIMEOUT_MS: how long a host may take to answer, and may then stay silent, before the request is dropped. */
  timeoutMs: number;
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
function hubToken(): string | undefined {
  const token = process.env.HF_TOKEN?.trim() || undefined;
  if (token === undefined) return undefined;
  if (!/^[\x21-\x7e]+$/.test(token)) {
    throw new UserError(`HF_TOKEN holds a line break, a space or another character no token has (${token.length} characters); set it to the token alone, as https://huggingface.co/settings/tokens shows it`);
  }
  // Hugging Face tokens start with hf_: anything else (a password, another service's key) is not sent anywhere.
  if (!token.startsWith('hf_')) throw new UserError('HF_TOKEN does not look like a Hugging Face token (they start with hf_)');
  return token;
}

function hubTimeoutMs(): number {
  const text = process.env.CULTUNE_HUB_TIMEOUT_MS?.trim();
  if (!text) return DEFAULT_TIMEOUT_MS;
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(value >= 1 && value <= MAX_TIMEOUT_MS)) throw new UserError(`CULTUNE_HUB_TIMEOUT_MS=${printable(text, 40)}: expected a whole number of milliseconds from 1 to ${MAX_TIMEOUT_MS}, or unset it (${DEFAULT_TIMEOUT_MS})`);
  return value;
}

export function hubSettings(): HubSettings {
  return {
    endpoint: hubEndpoint(),
    token: hubToken(),
    offline: hubOffline(),
    cacheDir: hubCacheDir(),
    timeoutMs: hubTimeoutMs(),
  };
}
