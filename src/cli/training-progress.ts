import { trainRun, type RunToTrain } from '../app/train-run.ts';
import type { Settings } from '../util/settings.ts';
import type { LoadedModel } from '../model/index.ts';
import type { GenerationRecord, RunResult } from '../train/run-files.ts';
import { estimateRun } from '../train/estimate.ts';
import { duration } from '../report/format.ts';

function progressLine(record: GenerationRecord, budget: number): string {
  const rate = record.evaluations / Math.max(record.seconds, 1e-9);
  const eta = Math.max(0, (budget - record.evaluations) / rate);
  const front = record.hypervolume === undefined ? '' : ` | front ${record.frontSize} | hypervolume ${record.hypervolume.toFixed(4)}`;
  return `gen ${record.generation} | evals ${record.evaluations}/${budget} | best ${record.bestLoss.toFixed(3)} | median ${record.medianLoss.toFixed(3)}${front} | ${rate.toFixed(2)} evals/s | ETA ${Math.round(eta)} s`;
}

/**
 * Trains (or resumes) one run, printing progress as `train` does: a line per generation on stderr, or
 * JSON lines on stdout with `tag`'s fields added; after this process's first generation, once, how long
 * the whole budget takes at the measured rate. Ctrl-C ends it after the current candidate with
 * TrainingInterrupted; the last checkpoint stays.
 */
export async function trainWithProgress(run: RunToTrain, model: LoadedModel, settings: Settings, json: boolean, tag: Record<string, unknown> = {}): Promise<RunResult> {
  const { dir } = run;
  let interrupted = false;
  let estimated = false;
  const onSignal = () => (interrupted = true);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const result = await trainRun(run, model, settings, (info) => ({
      interrupted: () => interrupted,
      onNotice: (line) => {
        if (json) process.stdout.write(`${JSON.stringify({ event: 'notice', ...tag, message: line })}\n`);
        else process.stderr.write(`cultune: ${line}\n`);
      },
      onGeneration: (record, checkpoint) => {
        const { budget } = info.search;
        if (json) process.stdout.write(`${JSON.stringify({ event: 'generation', ...tag, ...record })}\n`);
        else process.stderr.write(`${progressLine(record, budget)}\n`);
        if (estimated) return;
        estimated = true;
        const estimate = estimateRun(record, checkpoint.history.at(-2), budget);
        if (json) process.stdout.write(`${JSON.stringify({ event: 'estimate', ...tag, generation: record.generation, budget, ...estimate })}\n`);
        else {
          process.stderr.write(
            `cultune: ${estimate.secondsPerCandidate.toFixed(3)} s per candidate on generation ${record.generation}: the budget of ${budget} evaluations takes about ${duration(estimate.totalSeconds)} (${duration(estimate.remainingSeconds)} left)\n`,
          );
        }
      },
    }));
    const best = result.best;
    const summary = { event: 'finished', ...tag, run: dir, stopReason: result.stopReason, instrument: best.instrument, bestLoss: best.loss.value, scores: best.scores, perScore: best.loss.perScore };
    if (json) process.stdout.write(`${JSON.stringify(summary)}\n`);
    else process.stderr.write(`finished (${result.stopReason}): best ${best.instrument} loss ${best.loss.value.toFixed(3)}; run in ${dir}\n`);
    return result;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
