import path from 'node:path';
import type { ProgramRecord } from '../program/run.ts';
import type { InstrumentSpec } from '../instruments/index.ts';
import { UserError } from '../util/errors.ts';
import type { ProgramSettings } from './eval-record.ts';

/**
 * What a programmed condition asks with, for one country: the program's winning instruction, whether
 * the country was one the search saw, and the search's spend. A program searched on another instrument
 * is refused: its instruction was chosen for other questions.
 */
export function programSettings(dir: string, record: ProgramRecord, instrument: InstrumentSpec, country: string): ProgramSettings {
  const { definition } = record;
  if (definition.instrument.name !== instrument.instrument.name) {
    throw new UserError(`${dir} searched its instruction on ${definition.instrument.name}, not ${instrument.instrument.name}: give a program run of the same instrument`);
  }
  const role = definition.train.includes(country) ? 'train' : definition.heldOut.includes(country) ? 'held-out' : 'other';
  return {
    run: path.basename(path.resolve(dir)),
    optimizer: definition.optimizer,
    instruction: record.best!.instruction,
    ...(record.best!.demos?.length ? { demos: record.best!.demos } : {}),
    country: role,
    trainCountries: definition.train.length,
    spend: record.spend.search,
  };
}
