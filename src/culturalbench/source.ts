/**
 * Where the CulturalBench files live. The Hub URLs are pinned to one dataset revision, so a file's
 * bytes (and hash) can never change under a cached copy.
 */

import { hubEndpoint } from '../util/hub-env.ts';

export const HUB_REVISION = '996d62a55f6a49c13596f0a31b772812a1aacd67';
/** The dataset's files on the Hub, or on the mirror $HF_ENDPOINT names. */
export function defaultBaseUrl(): string {
  return `${hubEndpoint()}/datasets/kellycyy/CulturalBench/resolve/${HUB_REVISION}`;
}
export const BASE_URL_ENV = 'CULTUNE_CULTURALBENCH_URL';

export interface DatasetFile {
  kind: 'easy' | 'hard';
  /** Name on the Hub and in the cache. */
  hubName: string;
  /** Names accepted in a `--data` folder, first match wins. */
  localNames: readonly string[];
  /**
   * Known SHA-256 of the Hub file. Absent where no copy of the original was available to hash:
   * such a file is trusted on first download and its hash recorded beside it.
   */
  pinnedSha256?: string;
}

export const EASY_FILE: DatasetFile = {
  kind: 'easy',
  hubName: 'CulturalBench-Easy.csv',
  localNames: ['CulturalBench-Easy.csv'],
  pinnedSha256: 'd37576cadd51da986b15973f2e85d2c161fdef309cb8173d2bb260f4418f7e31',
};

export const HARD_FILE: DatasetFile = {
  kind: 'hard',
  hubName: 'CulturalBench-Hard.csv',
  // The shared test copy is rebuilt from Easy and named so; accepting it keeps `--data` simple.
  localNames: ['CulturalBench-Hard.csv', 'CulturalBench-Hard.RECONSTRUCTED-from-Easy.csv'],
};
