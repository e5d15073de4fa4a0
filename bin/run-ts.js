#!/usr/bin/env node
// Runs a TypeScript script (used by npm scripts): node bin/run-ts.js scripts/x.ts args...
import { register } from 'tsx/esm/api';
import { pathToFileURL } from 'node:url';
import path from 'node:path';

register();
const [script, ...rest] = process.argv.slice(2);
process.argv = [process.argv[0], script, ...rest];
await import(pathToFileURL(path.resolve(script)).href);
