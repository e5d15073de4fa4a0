import { createRequire } from 'node:module';

/** cultune's version, from package.json: recorded in run.json and exported adapters, printed by --version. */
export const VERSION: string = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
