import os from 'node:os';
import path from 'node:path';

/**
 * Everything cultune takes from its environment, read once (`readSettings`, by a command or the
 * library's entry points) and passed down as a value: no other module reads process.env, so what a
 * run saw is what its caller handed it. Values whose check belongs to their use stay as given (the
 * Hub's endpoint, token and timeout are checked when the Hub is asked: hub-env.ts and
 * model/hub/hub-settings.ts), so a command that never asks the Hub is not refused over them.
 */

/** The Hub as the environment describes it, with the variables huggingface_hub reads. */
export interface HubEnvironment {
  /** $HF_ENDPOINT as given (a mirror); unset, https://huggingface.co. */
  endpoint?: string;
  /** $HF_TOKEN as given: needed for gated (Llama) and private models. */
  token?: string;
  /** $CULTUNE_HUB_TIMEOUT_MS as given. */
  timeoutMs?: string;
  /** $HF_HUB_OFFLINE=1 (or true, yes, on): the caches only, no network. */
  offline: boolean;
  /** The Hub cache: $HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub (huggingface.js's order). */
  cacheDir: string;
}

/** Where a dataset's files are downloaded from instead of the Hub (a mirror of its folder), by dataset. */
export interface DatasetUrls {
  /** $CULTUNE_CULTURALBENCH_URL */
  culturalbench?: string;
  /** $CULTUNE_GLOBALOPINIONQA_URL */
  globalopinionqa?: string;
}

export interface Settings {
  hub: HubEnvironment;
  /** Root of cultune's caches: $CULTUNE_CACHE, else $XDG_CACHE_HOME/cultune, else ~/.cache/cultune. */
  cacheRoot: string;
  datasetUrls: DatasetUrls;
  /** $CULTUNE_REDIS_PASSWORD: the queue's password, kept off command lines (which the process list shows). */
  redisPassword?: string;
  /** $CULTUNE_PROPOSER_KEY: the bearer key of `program --proposer-url`. */
  proposerKey?: string;
  /** $CULTUNE_DEBUG: an internal error prints its stack too. */
  debug: boolean;
  /** The variables `cultune doctor` shows, where set: they decide which libraries load and where caches go. */
  reported: Record<string, string>;
}

export const PROPOSER_KEY_ENV = 'CULTUNE_PROPOSER_KEY';
/** The variable naming each dataset's mirror. */
export const DATASET_URL_ENV: Readonly<Record<keyof DatasetUrls, string>> = { culturalbench: 'CULTUNE_CULTURALBENCH_URL', globalopinionqa: 'CULTUNE_GLOBALOPINIONQA_URL' };
export const REPORTED_ENVIRONMENT = ['LD_LIBRARY_PATH', 'CUDA_VISIBLE_DEVICES', 'CULTUNE_CACHE', 'XDG_CACHE_HOME', 'VK_ICD_FILENAMES'];

/** A variable that is set to something other than spaces, trimmed. */
function given(value: string | undefined): string | undefined {
  return value?.trim() || undefined;
}

/** huggingface.js's getHFHubCachePath, from `env` rather than the process's (`??`: a variable set empty counts, as there). */
function hubCacheDir(env: NodeJS.ProcessEnv): string {
  const home = path.join(os.homedir(), '.cache');
  return env.HF_HUB_CACHE ?? env.HUGGINGFACE_HUB_CACHE ?? path.join(env.HF_HOME ?? path.join(env.XDG_CACHE_HOME ?? home, 'huggingface'), 'hub');
}

function cacheRoot(env: NodeJS.ProcessEnv): string {
  if (env.CULTUNE_CACHE) return path.resolve(env.CULTUNE_CACHE);
  return path.join(env.XDG_CACHE_HOME ? path.resolve(env.XDG_CACHE_HOME) : path.join(os.homedir(), '.cache'), 'cultune');
}

/** The settings from `env` (the process's environment unless a caller, a test, hands another). */
export function readSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  return {
    hub: {
      endpoint: given(env.HF_ENDPOINT),
      token: given(env.HF_TOKEN),
      timeoutMs: given(env.CULTUNE_HUB_TIMEOUT_MS),
      offline: ['1', 'true', 'yes', 'on'].includes((env.HF_HUB_OFFLINE ?? '').trim().toLowerCase()),
      cacheDir: hubCacheDir(env),
    },
    cacheRoot: cacheRoot(env),
    datasetUrls: { culturalbench: env[DATASET_URL_ENV.culturalbench] || undefined, globalopinionqa: env[DATASET_URL_ENV.globalopinionqa] || undefined },
    redisPassword: env.CULTUNE_REDIS_PASSWORD || undefined,
    proposerKey: env[PROPOSER_KEY_ENV] || undefined,
    debug: !!env.CULTUNE_DEBUG,
    reported: Object.fromEntries(REPORTED_ENVIRONMENT.flatMap((name) => (env[name] ? [[name, env[name]!]] : []))),
  };
}

/** The prepared graphs' cache (model/prepared-cache.ts). */
export function preparedCacheDir(settings: Pick<Settings, 'cacheRoot'>): string {
  return path.join(settings.cacheRoot, 'prepared');
}
