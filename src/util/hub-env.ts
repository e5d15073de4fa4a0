import { UserError } from './errors.ts';
import { printable } from './terminal-text.ts';

/**
 * The Hugging Face Hub settings that the environment gives, as huggingface_hub reads them: shared by the
 * model download and the CulturalBench dataset download, without loading the Hub client.
 */

const ENDPOINT_HELP = 'set it to an http(s) address such as https://huggingface.co or a mirror, or unset it';

/**
 * $HF_ENDPOINT (a mirror), else https://huggingface.co, without a trailing slash. Anything but a plain
 * http(s) address is one line: a user name or password in it would go to every request (and be printed
 * in errors), and a query or fragment would break every URL built on it.
 */
export function hubEndpoint(): string {
  const value = process.env.HF_ENDPOINT?.trim() || 'https://huggingface.co';
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

/** $HF_HUB_OFFLINE=1 (or true, yes, on): the caches only, no network. */
export function hubOffline(): boolean {
  return ['1', 'true', 'yes', 'on'].includes((process.env.HF_HUB_OFFLINE ?? '').trim().toLowerCase());
}
