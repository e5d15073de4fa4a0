import fs from 'node:fs';
import { spawnSync } from 'node:child_process';

const CHROMIUM = process.env.CULTUNE_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_WINDOW = [1050, 1300];

/** Headless Chromium on a page: `--dump-dom` (the DOM after rendering) or `--screenshot=FILE`. */
export function chromium(file: string, profile: string, action: string): string {
  const result = spawnSync(
    CHROMIUM,
    ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
      '--hide-scrollbars', '--force-device-scale-factor=1', `--window-size=${CHROMIUM_WINDOW.join(',')}`, `--user-data-dir=${profile}`, action, `file://${file}`],
    { encoding: 'utf8', timeout: 60_000 },
  );
  if (result.status !== 0) throw new Error(`chromium failed: ${result.stderr}`);
  return result.stdout;
}

export function requireChromium(): void {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: \`npm test\` installs Debian's chromium first (scripts/install-chromium.sh, needs root), or set CULTUNE_CHROMIUM`);
  }
}

