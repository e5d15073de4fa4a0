import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as targets from '../src/targets/index.ts';
import { countryCatalogue, describeSource, findCountry, HOFSTEDE_TABLE, hofstedeTable, lookupCountry, targetValues, type Target, type TargetRequest } from '../src/targets/index.ts';
import { UserError } from '../src/util/errors.ts';
import { SHARED } from './helpers/paths.ts';

// Hofstede's table is the reference these tests resolve against.
const resolveTarget = (request: TargetRequest) => targets.resolveTarget(HOFSTEDE_TABLE, request);
const readTargetsFile = (file: string) => targets.readTargetsFile(file, HOFSTEDE_TABLE.naming);
const requireUsableTarget = (target: Target) => targets.requireUsableTarget(target, HOFSTEDE_TABLE);
const explainMissingDimensions = (target: Target) => targets.explainMissing(target, HOFSTEDE_TABLE);
const TABLE = HOFSTEDE_TABLE.title;

const sharedTable = path.join(SHARED, 'data', 'hofstede-country-scores', '6-dimensions-for-website-2015-08-16.csv');
const scratch = mkdtempSync(path.join(os.tmpdir(), 'cultune-targets-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function writeScratch(name: string, text: string): string {
  const file = path.join(scratch, name);
  writeFileSync(file, text);
  return file;
}

function errorOf(f: () => unknown): UserError {
  try {
    f();
  } catch (error) {
    if (error instanceof UserError) return error;
    throw error;
  }
  throw new Error('expected a UserError');
}

describe('the 6-D table', () => {
  it('holds all 110 rows with #NULL! as missing', () => {
    const rows = hofstedeTable();
    expect(rows).toHaveLength(110);
    const count = (d: 'PDI' | 'LTO' | 'IVR') => rows.filter((r) => r.scores[d] !== undefined).length;
    expect([count('PDI'), count('LTO'), count('IVR')]).toEqual([78, 95, 96]);
    expect(rows.filter((r) => Object.keys(r.scores).length === 6)).toHaveLength(65);
    expect(rows.find((r) => r.code === 'GRE')?.scores.UAI).toBe(112);
  });

  it.skipIf(!existsSync(sharedTable))('is the ../shared copy, unchanged', () => {
    const ours = new URL('../src/targets/data/6-dimensions-for-website-2015-08-16.csv', import.meta.url);
    expect(readFileSync(ours)).toEqual(readFileSync(sharedTable));
  });

  it('has one catalogue entry per row, plus the countries known only through a region', () => {
    const catalogue = countryCatalogue();
    expect(catalogue.filter((e) => e.code !== undefined)).toHaveLength(110);
    expect(catalogue.filter((e) => e.code === undefined).map((e) => e.name)).toEqual([
      'Kuwait', 'Lebanon', 'Libya', 'United Arab Emirates', 'Kenya', 'Sierra Leone',
    ]);
    for (const entry of catalogue) {
      if (entry.region) expect(hofstedeTable().find((r) => r.code === entry.region)?.name).toMatch(/^(Arab countries|Africa East|Africa West)$/);
    }
  });
});

describe('country look-up', () => {
  it('finds by name, Hofstede code and ISO codes, in any case', () => {
    for (const query of ['China', 'china', 'CHI', 'chi', 'CN', 'cn', 'CHN']) expect(lookupCountry(query).code).toBe('CHI');
    for (const query of ['U.S.A.', 'USA', 'us', 'United States']) expect(lookupCountry(query).code).toBe('USA');
    expect(lookupCountry('Germany').iso3).toBe('DEU');
    expect(lookupCountry('GER').name).toBe('Germany');
    expect(lookupCountry('DE').name).toBe('Germany');
    expect(lookupCountry('sa').name).toBe('Saudi Arabia');
    expect(lookupCountry('South Korea').code).toBe('KOR');
    expect(lookupCountry('UAE').name).toBe('United Arab Emirates');
    expect(lookupCountry('Turkiye').code).toBe('TUR');
  });

  it('calls a code that names two places ambiguous', () => {
    expect(errorOf(() => findCountry('SLV')).message).toBe('"SLV" is ambiguous: it names El Salvador (SAL, SV) and Slovenia (SLV, SI); use the full name');
    expect(lookupCountry('SI').name).toBe('Slovenia');
    expect(lookupCountry('SV').name).toBe('El Salvador');
  });

  it('lists the nearest names for an unknown country', () => {
    const error = errorOf(() => lookupCountry('Saudi Arabai'));
    expect(error.message).toMatch(/^unknown country "Saudi Arabai"; nearest: Saudi Arabia, /);
    expect(error.message).not.toContain('\n');
    expect(errorOf(() => lookupCountry('Germny')).message).toContain('nearest: Germany');
  });
});

describe('targets', () => {
  it('Saudi Arabia without fallback has only LTO and IVR, and says how to fill the rest', () => {
    const target = resolveTarget({ country: 'SA' });
    expect(targetValues(target)).toEqual({ LTO: 36, IVR: 52 });
    expect(target.missing).toEqual(['PDI', 'IDV', 'MAS', 'UAI']);
    expect(target.values.LTO?.source).toEqual({ kind: 'country-row', table: TABLE, code: 'SAU', name: 'Saudi Arabia' });
    const explanation = explainMissingDimensions(target).join('\n');
    expect(explanation).toContain('missing PDI, IDV, MAS, UAI');
    expect(explanation).toContain('--fallback region fills PDI, IDV, MAS, UAI from the "Arab countries" row (PDI 80, IDV 38, MAS 53, UAI 68)');
    expect(explanation).toContain('--target PDI=..,IDV=..,MAS=..,UAI=..');
  });

  it('Saudi Arabia with the region fallback has six dimensions, each with its source', () => {
    const target = resolveTarget({ country: 'Saudi Arabia', fallback: 'region' });
    expect(targetValues(target)).toEqual({ PDI: 80, IDV: 38, MAS: 53, UAI: 68, LTO: 36, IVR: 52 });
    expect(target.missing).toEqual([]);
    expect(target.values.PDI?.source).toEqual({ kind: 'region-row', table: TABLE, code: 'ARA', name: 'Arab countries' });
    expect(target.values.IVR?.source.kind).toBe('country-row');
    expect(explainMissingDimensions(target)).toEqual([]);
    expect(target.country).toMatchObject({ name: 'Saudi Arabia', code: 'SAU', iso2: 'SA', iso3: 'SAU', region: { code: 'ARA', name: 'Arab countries' } });
  });

  it('a full country row needs no fallback; the fallback never overrides a published number', () => {
    expect(targetValues(resolveTarget({ country: 'CN', fallback: 'region' }))).toEqual({ PDI: 80, IDV: 20, MAS: 66, UAI: 30, LTO: 87, IVR: 24 });
    expect(targetValues(resolveTarget({ country: 'Ghana', fallback: 'region' }))).toEqual({ PDI: 77, IDV: 20, MAS: 46, UAI: 54, LTO: 4, IVR: 72 });
  });

  it('a country missing from every source is refused with the ways to fill it', () => {
    const target = resolveTarget({ country: 'Kuwait' });
    expect(target.missing).toHaveLength(6);
    const error = errorOf(() => requireUsableTarget(target));
    expect(error.message).toMatch(/^Kuwait has no value in the Hofstede 6-D table: a run needs at least one\. --fallback region fills .* "Arab countries"/);
    expect(error.message).not.toContain('\n');
    // A place with neither a row nor a region: only the user's numbers can help.
    const belgianFrench = resolveTarget({ country: 'Belgium French', fallback: 'region' });
    expect(belgianFrench.missing).toEqual(['LTO', 'IVR']);
    expect(explainMissingDimensions(belgianFrench).join('\n')).not.toContain('--fallback');
    expect(targetValues(resolveTarget({ country: 'KWT', fallback: 'region' }))).toEqual({ PDI: 80, IDV: 38, MAS: 53, UAI: 68, LTO: 23, IVR: 34 });
  });

  it('a custom CSV file completes and overrides the published row; the command line overrides both', () => {
    const file = writeScratch('custom.csv', 'country,PDI,IDV,MAS,UAI,LTO,IVR\r\nChina,70,,,,,\r\nSaudi Arabia,95,25,60,80,#NULL!,\r\n');
    const target = resolveTarget({ country: 'sau', file: readTargetsFile(file), overrides: { MAS: 55 } });
    expect(targetValues(target)).toEqual({ PDI: 95, IDV: 25, MAS: 55, UAI: 80, LTO: 36, IVR: 52 });
    expect(target.values.PDI?.source).toEqual({ kind: 'file', file, line: 3 });
    expect(target.values.MAS?.source).toEqual({ kind: 'command-line' });
    expect(target.values.LTO?.source.kind).toBe('country-row');
    expect(describeSource(target.values.PDI!.source)).toBe(`${file}:3`);
  });

  it('a custom JSON file may name a place only it knows', () => {
    const file = writeScratch('custom.json', JSON.stringify([{ country: 'Atlantis', PDI: 10, IDV: 90 }, { country: 'US', ltowvs: 30 }], null, 2));
    const targets = readTargetsFile(file);
    const atlantis = resolveTarget({ country: 'atlantis', file: targets });
    expect(atlantis.country.kind).toBe('custom');
    expect(targetValues(atlantis)).toEqual({ PDI: 10, IDV: 90 });
    expect(atlantis.values.IDV?.source).toEqual({ kind: 'file', file, line: 5 });
    expect(resolveTarget({ country: 'United States', file: targets }).values.LTO).toEqual({ value: 30, source: { kind: 'file', file, line: 9 } });
    expect(errorOf(() => resolveTarget({ country: 'Atlantys', file: targets })).message).toMatch(/unknown country "Atlantys"; nearest: Atlantis/);
    expect(errorOf(() => resolveTarget({ country: 'China', file: targets })).message).toBe(`${file} has no entry for China (it has: Atlantis, US)`);
  });

  it('a bad value in a targets file is a one-line error naming file and line', () => {
    const csv = writeScratch('bad.csv', 'country;PDI;IDV\nChina;80;20\nIndia;seventy;48\n');
    expect(errorOf(() => readTargetsFile(csv)).message).toBe(`${csv}:3: PDI "seventy" is not a decimal number`);
    const json = writeScratch('bad.json', '[\n  {"country": "India",\n   "PDI": 77,\n   "IDV": "48"}\n]\n');
    expect(errorOf(() => readTargetsFile(json)).message).toBe(`${json}:4: IDV "48" is not a number`);
    const column = writeScratch('column.csv', 'country,PID\nIndia,77\n');
    expect(errorOf(() => readTargetsFile(column)).message).toMatch(new RegExp(`^${column.replace(/[.\\]/g, '\\$&')}:1: unknown column "PID"`));
    const broken = writeScratch('broken.json', '[\n {"country": "India",}\n]');
    const message = errorOf(() => readTargetsFile(broken)).message;
    expect(message).toMatch(new RegExp(`^${broken.replace(/[.\\]/g, '\\$&')}:2: not valid JSON`));
    expect(message).not.toContain('\n');
    expect(errorOf(() => readTargetsFile(path.join(scratch, 'none.csv'))).message).toMatch(/^cannot read .*none\.csv: no such file or folder/);
  });
});
