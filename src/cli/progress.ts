import cliProgress from 'cli-progress';

export interface Progress {
  /** `phase` names the current stage where a job has several (shown before the bar). */
  update(done: number, total?: number, phase?: string): void;
  stop(): void;
}

/**
 * A progress bar on stderr when it is a terminal; silent otherwise (logs and pipes stay clean). The
 * bar starts on the first update, so a job that learns its total late can create it early.
 */
export function progressReporter(label: string, total = 1): Progress {
  if (!process.stderr.isTTY) return { update: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    { format: `${label}{phase} [{bar}] {value}/{total} | {eta_formatted} left`, stream: process.stderr, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update: (done, newTotal = total, phase) => {
      const payload = { phase: phase ? ` ${phase}` : '' };
      if (!started) bar.start(newTotal, 0, payload);
      started = true;
      if (newTotal !== total) bar.setTotal((total = newTotal));
      bar.update(done, payload);
    },
    stop: () => {
      if (started) bar.stop();
      started = false;
    },
  };
}
