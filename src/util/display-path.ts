import os from 'node:os';
import path from 'node:path';

/** A path as a reader wants it: relative below the working folder, `~/...` below the home folder. */
export function displayPath(file: string): string {
  const absolute = path.resolve(file);
  const relative = path.relative(process.cwd(), absolute);
  if (!relative.startsWith('..') && !path.isAbsolute(relative)) return relative || '.';
  const home = os.homedir();
  return absolute.startsWith(`${home}${path.sep}`) ? `~${absolute.slice(home.length)}` : absolute;
}
