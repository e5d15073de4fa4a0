import { makeTestFixtures } from '../scripts/make-fixtures.ts';
import { FIXTURES } from './helpers/paths.ts';

// Generates the seeded test models once before the suites run.
export default async function setup(): Promise<void> {
  makeTestFixtures(FIXTURES);
}
