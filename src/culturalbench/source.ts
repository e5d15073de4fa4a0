/**
 * Where the CulturalBench files live. The Hub URLs are pinned to one dataset revision, so a file's
 * bytes (and hash) can never change under a cached copy.
 */

import type { DatasetFile, HubDataset } from '../model/hub/dataset-file.ts';

export const HUB_REVISION = '996d62a55f6a49c13596f0a31b772812a1aacd67';
/** The dataset's files on the Hub (or the mirror $HF_ENDPOINT names, or the folder $CULTUNE_CULTURALBENCH_URL names). */
export const CULTURALBENCH: HubDataset = { name: 'culturalbench', hubPath: `datasets/kellycyy/CulturalBench/resolve/${HUB_REVISION}` };

export interface BenchFile extends DatasetFile {
  kind: 'easy' | 'hard';
  /** Names accepted in a `--culturalbench-data` folder, first match wins. */
  localNames: readonly string[];
}

export const EASY_FILE: BenchFile = {
  kind: 'easy',
  hubName: 'CulturalBench-Easy.csv',
  localNames: ['CulturalBench-Easy.csv'],
  pinnedSha256: 'd37576cadd51da986b15973f2e85d2c161fdef309cb8173d2bb260f4418f7e31',
};

export const HARD_FILE: BenchFile = {
  kind: 'hard',
  hubName: 'CulturalBench-Hard.csv',
  // The shared test copy is rebuilt from Easy and named so; accepting it keeps `--culturalbench-data` simple.
  localNames: ['CulturalBench-Hard.csv', 'CulturalBench-Hard.RECONSTRUCTED-from-Easy.csv'],
};
