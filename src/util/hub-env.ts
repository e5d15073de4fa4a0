/**
 * The Hugging Face Hub settings that the environment gives, as huggingface_hub reads them: shared by the
 * model download and the CulturalBench dataset download, without loading the Hub client.
 */

/** $HF_ENDPOINT (a mirror), else https://huggingface.co. */
export function hubEndpoint(): string {
  return (process.env.HF_ENDPOINT?.trim() || 'https://huggingface.co').replace(/\/+$/, '');
}

/** $HF_HUB_OFFLINE=1 (or true, yes, on): the caches only, no network. */
export function hubOffline(): boolean {
  return ['1', 'true', 'yes', 'on'].includes((process.env.HF_HUB_OFFLINE ?? '').trim().toLowerCase());
}
