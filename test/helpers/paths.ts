import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(here, '../..');
export const FIXTURES = path.join(REPO, 'test/fixtures/generated');
export const SHARED = path.resolve(REPO, '../shared');
export const TINY_GENAI = path.join(SHARED, 'models/tiny-random-llama-fp16');
