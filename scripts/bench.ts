import fs from 'node:fs';
import os from 'node:os';
import { benchScoring } from './bench-scoring.ts';
import { benchGeneration } from './bench-generation.ts';
import { benchCulturalBench } from './bench-culturalbench.ts';
import { benchCpuPlan } from './bench-cpu-plan.ts';

/** `npm run bench`: runs every benchmark section and prints Markdown for BENCHMARKS.md. */
const sections: string[] = [];
sections.push(await benchScoring());
sections.push(await benchCulturalBench());
try {
  const { benchDe } = await import('./bench-de.ts');
  sections.push(await benchDe());
} catch (error) {
  sections.push(`DE benchmark failed: ${(error as Error).message}\n`);
}
try {
  sections.push(await benchGeneration());
} catch (error) {
  // A disagreement with the PyTorch peer is a failure, not a footnote: the other sections are still written.
  sections.push(`One DE generation vs PyTorch FAILED: ${(error as Error).message}\n`);
  process.exitCode = 1;
}
try {
  sections.push(`### The CPU plan against PyTorch peers, one candidate\n\n${await benchCpuPlan()}\n`);
} catch (error) {
  sections.push(`The CPU plan against PyTorch peers FAILED: ${(error as Error).message}\n`);
  process.exitCode = 1;
}
const header = `Run on ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} threads, ${os.cpus()[0]?.model}, Node ${process.version}.\n`;
const text = `${header}\n${sections.join('\n')}`;
fs.mkdirSync('bench-out', { recursive: true });
fs.writeFileSync('bench-out/latest.md', text);
console.log(text);
