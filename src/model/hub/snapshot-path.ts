import path from 'node:path';

/**
 * Recognises a snapshot folder of the Hugging Face cache by its path alone, without loading the Hub
 * client (cache-layout.ts writes them).
 */
/** The Hub id and commit of a snapshot folder of the cache (`.../models--org--name/snapshots/<commit>`), if it is one. */
export function snapshotOf(dir: string): { repoId: string; commit: string } | undefined {
  const parts = path.resolve(dir).split(path.sep);
  const [repo, snapshots, commit] = parts.slice(-3);
  if (snapshots !== 'snapshots' || !repo?.startsWith('models--') || !commit) return undefined;
  const [org, ...name] = repo.slice('models--'.length).split('--');
  if (!org || name.length === 0) return undefined;
  return { repoId: `${org}/${name.join('--')}`, commit };
}
