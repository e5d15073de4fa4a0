import { DIMENSIONS, parseDimension } from './dimensions.ts';
import { hofstedeRow } from './hofstede-table.ts';
import type { ReferenceTable } from './target.ts';

/**
 * Hofstede's published six-dimension scores (2015-08-16) as a reference table: a country's own row,
 * and for `--fallback region` the region row it belongs to (Arab countries, Africa East, Africa West).
 */
export const HOFSTEDE_TABLE: ReferenceTable = {
  title: 'Hofstede 6-D table',
  naming: { names: DIMENSIONS, parse: parseDimension },
  rowOf: (place) => {
    const row = place?.code === undefined ? undefined : hofstedeRow(place.code);
    return row && { code: row.code, name: row.name, values: row.scores };
  },
  regionRowOf: (place) => {
    const row = place.region === undefined ? undefined : hofstedeRow(place.region);
    return row && { code: row.code, name: row.name, values: row.scores };
  },
  ownNames: () => [],
};
