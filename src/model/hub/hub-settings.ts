import { UserError } from '../../util/errors.ts';
import { hubEndpoint, hubOffline } from '../../util/hub-env.ts';
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
}

export function hubSettings(): HubSettings {
  const token = process.env.HF_TOKEN?.trim() || undefined;
  // huggingface.js refuses other tokens with a TypeError; one line here instead.
  if (token !== undefined && !token.startsWith('hf_')) throw new UserError('HF_TOKEN does not look like a Hugging Face token (they start with hf_)');
  return {
    endpoint: hubEndpoint(),
    token,
    offline: hubOffline(),
    cacheDir: hubCacheDir(),
  };
}
