import cliProgress from 'cli-progress';

export interface Progress {
  update(done: number, total: number, phase: string): void;
  stop(): void;
}

/** A progress bar on stderr when it is a terminal; silent otherwise, so logs and pipes stay clean. */
export function terminalProgress(label: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    { stream, format: `${label} {phase} [{bar}] {percentage}% | {value}/{total} prompts | ETA {eta_formatted}`, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(done, total, phase) {
      if (!started) bar.start(total, 0, { phase });
      started = true;
      bar.setTotal(total);
      bar.update(done, { phase });
    },
    stop() {
      if (started) bar.stop();
      started = false;
    },
  };
}
