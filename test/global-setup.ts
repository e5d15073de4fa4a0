import type { TestProject } from 'vitest/node';
import { makeTestFixtures } from '../scripts/make-fixtures.ts';
import { FIXTURES } from './helpers/paths.ts';
import { startRedis } from './helpers/redis.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A real Redis server for the queue tests, with a password in the URL. */
    redisUrl: string;
  }
}

// Generates the seeded test models once and starts one Redis server before the suites run.
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  makeTestFixtures(FIXTURES);
  const redis = await startRedis();
  project.provide('redisUrl', redis.url);
  return () => redis.dispose();
}
