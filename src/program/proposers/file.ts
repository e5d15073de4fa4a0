import { readTextFile } from '../../util/text-file.ts';
import { UserError } from '../../util/errors.ts';
import type { Proposer, ProposerState } from '../proposer.ts';

/**
 * Seed instructions from a file, one a line (blank lines skipped): each request takes the next unused
 * lines, so a run is deterministic and needs no model; the file running out ends the proposals.
 */
export function fileProposer(file: string, state: ProposerState | undefined): Proposer {
  const lines = readTextFile(file).split(/\r?\n/).map((line) => line.trim()).filter((line) => line.length > 0);
  if (lines.length === 0) throw new UserError(`${file} holds no instruction: write one a line, or leave out --proposer`);
  let next = state?.kind === 'file' ? state.next : 0;
  return {
    description: `file ${file}`,
    propose: async (request) => {
      const taken = lines.slice(next, next + request.count);
      next += taken.length;
      return taken;
    },
    state: () => ({ kind: 'file', next }),
  };
}
