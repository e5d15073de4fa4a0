/**
 * Runs several cultune command lines in one Node process, for suites that must run them in another
 * process (a mount namespace with a read-only or full file system, another user): node bin/run-ts.js
 * test/helpers/cli-batch.ts CASES.json, CASES.json holding [{args, env, watch}]. Prints a JSON array
 * of {code, stdout, stderr, before, after}, `before` and `after` being treeState(watch) around the run.
 */
import fs from 'node:fs';
import { cultune } from './in-process.ts';
import { treeState } from './tree-state.ts';

interface BatchCase {
  args: string[];
  env?: Record<string, string>;
  watch: string;
}

const cases = JSON.parse(fs.readFileSync(process.argv[2], 'utf8')) as BatchCase[];
const results = [];
for (const { args, env, watch } of cases) {
  const before = treeState(watch);
  const result = await cultune(args, env);
  results.push({ ...result, before, after: treeState(watch) });
}
process.stdout.write(JSON.stringify(results));
