import { answerScale, loadGlobalOpinions, onScale } from '../src/instruments/globalopinionqa/index.ts';
import { readSettings } from '../src/util/settings.ts';

/**
 * Lists every distinct option set of a GlobalOpinionQA file (the Hub CSV or the per-pair JSON) with
 * how many questions use it and how `--metric wasserstein` reads it: ordinal (a scale of
 * ordinal-scales.ts), binary (two answers on the scale) or nominal (compared by Jensen-Shannon). The
 * table was built from this listing; run it on another copy to see which sets it does not know.
 *
 *   node bin/run-ts.js scripts/globalopinionqa-option-sets.ts FILE [--nominal]
 *
 * --nominal lists only the sets read as nominal, the candidates for the table.
 */
const [file, ...flags] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node bin/run-ts.js scripts/globalopinionqa-option-sets.ts FILE [--nominal]\n');
  process.exit(2);
}
const { questions } = await loadGlobalOpinions({ data: file, download: false }, readSettings());
const counts = new Map<string, number>();
for (const q of questions) counts.set(JSON.stringify(q.options), (counts.get(JSON.stringify(q.options)) ?? 0) + 1);
const byKind = new Map<string, number>();
const rows = [...counts].sort((a, b) => b[1] - a[1]);
for (const [key, count] of rows) {
  const options = JSON.parse(key) as string[];
  const { kind } = answerScale(options);
  byKind.set(kind, (byKind.get(kind) ?? 0) + count);
  if (flags.includes('--nominal') && kind !== 'nominal') continue;
  const shown = options.map((o) => (onScale(o) ? o : `(${o})`));
  process.stdout.write(`${String(count).padStart(4)}  ${kind.padEnd(7)}  ${shown.join(' | ')}\n`);
}
process.stderr.write(`${questions.length} questions, ${counts.size} option sets: ${[...byKind].map(([kind, n]) => `${n} ${kind}`).join(', ')} (questions)\n`);
