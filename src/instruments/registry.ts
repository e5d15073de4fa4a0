import { UserError } from '../util/errors.ts';
import type { AnyInstrument } from './types.ts';
import { GLOBAL_OPINION_QA } from './globalopinionqa/index.ts';
import { IW_MAP } from './iw-map/index.ts';
import { MULTITP } from './multitp/index.ts';
import { VSM13 } from './vsm13/index.ts';

/** Every instrument cultune knows, by name. Adding one is a folder beside this file and a line here. */
const INSTRUMENTS = new Map<string, AnyInstrument>([VSM13, IW_MAP, GLOBAL_OPINION_QA, MULTITP].map((i) => [i.name, i]));

/** The instrument `--instrument` defaults to. */
export const DEFAULT_INSTRUMENT = VSM13.name;

/** Adds an instrument at run time (a plug-in, or a test's toy instrument); its name must be new. */
export function registerInstrument(instrument: AnyInstrument): void {
  if (INSTRUMENTS.has(instrument.name)) throw new Error(`an instrument named ${instrument.name} is registered already`);
  INSTRUMENTS.set(instrument.name, instrument);
}

export function instruments(): AnyInstrument[] {
  return [...INSTRUMENTS.values()];
}

export function instrumentNamed(name: string): AnyInstrument {
  const instrument = INSTRUMENTS.get(name);
  if (!instrument) throw new UserError(`unknown instrument "${name}"; cultune has ${[...INSTRUMENTS.keys()].join(', ')}`);
  return instrument;
}
