import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(here, '../..');
export const FIXTURES = path.join(REPO, 'test/fixtures/generated');
/** CulturalBench as a `--data` folder: Easy as published, a slice of Hard (see its PROVENANCE.md). */
export const CULTURALBENCH_DATA = path.join(REPO, 'test/fixtures/culturalbench-data');
/** Independent copies of the VSM 2013 items and formulas (see its PROVENANCE.md). */
export const VSM2013_REFERENCE = path.join(REPO, 'test/fixtures/vsm2013');
/**
 * The project's shared data and models beside the repository, when there is one: the tests that compare
 * against those copies are skipped without it.
 */
export const SHARED = path.resolve(REPO, '../shared');
export const TINY_GENAI = path.join(SHARED, 'models/tiny-random-llama-fp16');
