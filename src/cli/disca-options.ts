import { Option, type Command } from 'commander';
import { DEFAULT_PARAMETERS, DISCA_ABLATIONS, DISCA_VARIANTS, readPersonaPanel, wvsPanel, type DiscaAblation, type DiscaPlan, type DiscaVariant } from '../instruments/multitp/disca/index.ts';
import { lookupCountry, type Target } from '../targets/index.ts';
import { UserError } from '../util/errors.ts';

/** The DISCA flags `survey --condition disca` and `eval --conditions disca` share. */
export interface DiscaFlags {
  personas?: string;
  wvs?: string;
  discaAblation: DiscaAblation;
  discaVariant: DiscaVariant;
  discaSeed: string;
  /** The mismatched-panel control: ask with another country's panel. */
  discaPanelFrom?: string;
  country?: string;
}

/** Adds the panel (--personas, --wvs) and steering (--disca-*) flags. */
export function addDiscaOptions(command: Command): Command {
  return command
    .option('--personas <file>', 'DISCA: the panel, JSON {"USA": ["persona text", ...]}')
    .option('--wvs <file>', 'DISCA: World Values Survey Wave 7 CSV to write the four-persona panel from (columns in docs/instruments.md)')
    .addOption(new Option('--disca-ablation <name>', 'DISCA: one of the paper\'s ablations').choices([...DISCA_ABLATIONS]).default('none'))
    .addOption(new Option('--disca-variant <which>', 'DISCA: follow the paper or the authors\' code where they differ').choices([...DISCA_VARIANTS]).default('paper'))
    .option('--disca-seed <n>', 'DISCA: seed of the importance-sampling draws', '0')
    .option('--disca-panel-from <country>', "DISCA control: steer with this other country's panel instead of the country's own (mismatched personas)");
}

/** The panel a DISCA condition asks: the user's (--personas) or one written from their WVS file (--wvs). */
function discaPanel(flags: DiscaFlags, target: Target): string[] {
  const panelCountry = flags.discaPanelFrom === undefined ? undefined : lookupCountry(flags.discaPanelFrom);
  const country = panelCountry ?? target.country;
  if (panelCountry && panelCountry.name === target.country.name) {
    throw new UserError(`--disca-panel-from ${flags.discaPanelFrom} is the country asked about; the control needs another country's panel`);
  }
  const asked = panelCountry ? flags.discaPanelFrom! : flags.country;
  if (flags.personas) return readPersonaPanel(flags.personas, [country.iso3 ?? '', country.name, asked ?? ''].filter((k) => k !== ''));
  if (country.iso3 === undefined) throw new UserError(`--wvs needs a country with an ISO 3166-1 alpha-3 code (B_COUNTRY_ALPHA); ${country.name} has none: bring a panel with --personas FILE`);
  return wvsPanel(flags.wvs!, country.iso3, country.personaName);
}

/** The flags checked and read into a plan, before any model is loaded; `what` names the condition in the messages ("--condition disca"). */
export function discaPlan(flags: DiscaFlags, target: Target, what: string): DiscaPlan {
  if ((flags.personas === undefined) === (flags.wvs === undefined)) throw new UserError(`${what} needs exactly one of --personas FILE (JSON: country -> persona texts) or --wvs FILE (WVS Wave 7 CSV)`);
  const seed = Number(flags.discaSeed);
  if (!Number.isSafeInteger(seed)) throw new UserError(`--disca-seed: "${flags.discaSeed}" is not an integer`);
  const panel = discaPanel(flags, target);
  return { panel, parameters: { ...DEFAULT_PARAMETERS, variant: flags.discaVariant, ablation: flags.discaAblation }, seed, ...(flags.discaPanelFrom ? { panelFrom: lookupCountry(flags.discaPanelFrom).name } : {}) };
}
