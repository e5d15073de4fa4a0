import os from 'node:os';
import path from 'node:path';

/** Root of cultune's caches: $CULTUNE_CACHE, else $XDG_CACHE_HOME/cultune, else ~/.cache/cultune. */
export function cacheRoot(): string {
  if (process.env.CULTUNE_CACHE) return path.resolve(process.env.CULTUNE_CACHE);
  const xdg = process.env.XDG_CACHE_HOME;
  return path.join(xdg ? path.resolve(xdg) : path.join(os.homedir(), '.cache'), 'cultune');
}
