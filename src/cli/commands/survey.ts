import { Option, type Command } from 'commander';
import { describeInstrument, instruments, NO_CONDITIONING, personaConditioning, prepareInstrument, resultOf, storedInstrument, type AnyInstrument, type Conditioning, type InstrumentResult, type InstrumentSpec, type Reading } from '../../instruments/index.ts';
import { readSoftPromptFile } from '../../model/index.ts';
import type { Placement } from '../../model/types.ts';
import { describeSource, explainMissing, type Target } from '../../targets/index.ts';
import { calibratedSpec, calibrationCacheDir } from '../../instruments/vsm13/calibration.ts';
import { CLASSIFY, generates } from '../../instruments/formats.ts';
import { MULTITP, type MultiTpSettings } from '../../instruments/multitp/index.ts';
import { prepareDisca, runDisca } from '../../instruments/multitp/disca/index.ts';
import { addDiscaOptions, discaPlan, type DiscaFlags } from '../disca-options.ts';
import { checkWritable } from '../../util/atomic.ts';
import { UserError } from '../../util/errors.ts';
import { addInstrumentOptions, instrumentFromFlags, loadInstrumentData, type InstrumentFlags } from '../instrument-options.ts';
import { addModelOptions, openModel, type ModelFlags } from '../model-options.ts';
import { progressReporter } from '../progress.ts';
import { readSettings, type Settings } from '../../util/settings.ts';
import { addTargetOptions, emitJson, targetFromFlags, type TargetFlags } from './targets.ts';

interface SurveyFlags extends ModelFlags, TargetFlags, InstrumentFlags, DiscaFlags {
  softPrompt?: string;
  persona?: boolean;
  condition?: 'none' | 'persona' | 'disca';
  placement: Placement;
  json?: string | boolean;
}

function describeConditioning(flags: SurveyFlags, target: Target | undefined): string {
  if (flags.condition === 'disca') return `DISCA (${flags.discaVariant}${flags.discaAblation === 'none' ? '' : `, ablation ${flags.discaAblation}`}${flags.softPrompt ? `, on soft prompt ${flags.softPrompt}` : ''})`;
  if (flags.softPrompt) return `soft prompt ${flags.softPrompt} (${flags.placement})`;
  if (flags.persona && target) return `persona "You are a person from ${target.country.personaName}."`;
  return 'no conditioning';
}

function formatReport(flags: SurveyFlags, spec: InstrumentSpec, target: Target | undefined, reading: Reading, result: InstrumentResult | undefined, questions: number): string[] {
  const { instrument, settings } = spec;
  // Number(..) turns a rounded "-0.0" into 0.
  const number = (v: number | undefined, digits: number) => (v === undefined ? '-' : Number(v.toFixed(digits)).toFixed(digits)).padStart(9);
  const width = Math.max(5, ...instrument.columns.map((c) => c.name.length));
  const lines = [
    `${describeInstrument(spec)} on ${flags.model}: ${describeConditioning(flags, target)}; ${questions} questions`,
    ...instrument.describeSettings(settings),
    '',
    `${'score'.padEnd(width)}${'model'.padStart(9)}${'target'.padStart(9)}${'|diff|'.padStart(9)}  target source`,
  ];
  for (const column of instrument.columns) {
    const value = target?.values[column.name];
    const difference = result?.loss.difference[column.name];
    lines.push(
      `${column.name.padEnd(width)}${number(reading.scores[column.name], column.digits)}${number(value?.value, column.digits)}${number(difference === undefined ? undefined : Math.abs(difference), column.digits)}  ${value ? describeSource(value.source) : target && instrument.table ? 'missing' : ''}`.trimEnd(),
    );
  }
  if (result) lines.push('', `${instrument.title} loss (${result.loss.metric}${result.loss.missing.length > 0 ? `, without ${result.loss.missing.join(', ')}` : ''}): ${result.loss.value.toFixed(3)}`);
  if (target && instrument.table) lines.push(...explainMissing(target, instrument.table));
  return lines;
}

async function runSurvey(flags: SurveyFlags): Promise<void> {
  // Everything a user can get wrong is checked before the model is loaded.
  const settings = readSettings();
  const spec = instrumentFromFlags(flags);
  const asked = { ...spec, data: await loadInstrumentData(spec.instrument, flags, settings, flags.json === true) };
  const target = targetFromFlags(flags, asked);
  if (flags.condition === 'persona') flags = { ...flags, persona: true };
  if (flags.persona && !target) throw new UserError('--persona needs --country');
  if (flags.condition === 'disca' || flags.personas || flags.wvs || flags.discaPanelFrom) return runDiscaSurvey(flags, settings, asked, target);
  if (typeof flags.json === 'string') checkWritable(flags.json, 'file');
  const model = await openModel(flags, settings, flags.json === true, { format: asked.format });
  try {
    const softPrompt = flags.softPrompt === undefined ? undefined : readSoftPromptFile(flags.softPrompt, model.hidden);
    // Anchored constants are fitted on the model, leaving out the --country asked about (the output names them).
    const spec = await calibratedSpec(model, asked, target?.country, { cacheDir: calibrationCacheDir(settings) });
    const conditioning: Conditioning = flags.persona && target ? personaConditioning(target.country.personaName) : NO_CONDITIONING;
    const prepared = prepareInstrument(model.tokenizer, spec, target, conditioning);
    const progress = progressReporter(spec.instrument.name, prepared.requests.length);
    const [logprobs] = await prepared.logprobs(model, [softPrompt], { placement: flags.placement, onProgress: progress.update });
    progress.stop();
    const reading = prepared.read(logprobs);
    const result = target && (spec.instrument.table === undefined || Object.keys(target.values).length > 0) ? resultOf(spec, reading, target) : undefined;
    const report = {
      model: flags.model,
      instrument: storedInstrument(spec),
      conditioning: flags.softPrompt ? { softPrompt: flags.softPrompt, placement: flags.placement } : flags.persona ? { persona: target?.country.personaName } : null,
      target: target ?? null,
      scores: reading.scores,
      details: reading.details,
      loss: result?.loss ?? null,
    };
    emitJson(flags.json, report, () => process.stdout.write(`${formatReport(flags, spec, target, reading, result, prepared.requests.length).join('\n')}\n`));
  } finally {
    await model.dispose();
  }
}

/** `--condition disca`: MultiTP steered by a persona panel (src/instruments/multitp/disca), base and personas scored in one call. */
async function runDiscaSurvey(flags: SurveyFlags, settings: Settings, asked: InstrumentSpec, target: Target | undefined): Promise<void> {
  if (flags.condition !== 'disca') throw new UserError('--personas, --wvs and --disca-panel-from need --condition disca');
  if (asked.instrument.name !== MULTITP.name) throw new UserError(`--condition disca steers MultiTP's forced choices: use --instrument ${MULTITP.name}`);
  if (generates(asked.format ?? CLASSIFY)) throw new UserError('--condition disca reads the answers\' log-probs directly: leave --format at classify');
  if (!target) throw new UserError('--condition disca needs --country');
  const { panel, parameters, seed } = discaPlan(flags, target, '--condition disca');
  if (typeof flags.json === 'string') checkWritable(flags.json, 'file');
  const model = await openModel(flags, settings, flags.json === true, { format: asked.format });
  try {
    const softPrompt = flags.softPrompt === undefined ? undefined : readSoftPromptFile(flags.softPrompt, model.hidden);
    const prepared = prepareDisca(model.tokenizer, asked.settings as MultiTpSettings, target, panel, parameters, seed);
    const progress = progressReporter(`${asked.instrument.name} (DISCA)`, prepared.requests.length);
    const started = performance.now();
    const reading = await runDisca(model, prepared, { softPrompt, placement: flags.placement, onProgress: progress.update });
    const seconds = (performance.now() - started) / 1000;
    progress.stop();
    const result = resultOf(asked, { details: reading.details, scores: reading.scores }, target);
    const report = {
      model: flags.model,
      instrument: storedInstrument(asked),
      conditioning: { disca: { variant: flags.discaVariant, ablation: flags.discaAblation, seed, personas: panel, ...(flags.discaPanelFrom ? { panelFrom: flags.discaPanelFrom } : {}), ...(flags.softPrompt ? { softPrompt: flags.softPrompt, placement: flags.placement } : {}) } },
      target,
      scores: reading.scores,
      details: reading.details,
      loss: result.loss,
      disca: { base: reading.base, ...reading.summary, requests: prepared.requests.length, candidateEquivalents: prepared.members, seconds },
    };
    emitJson(flags.json, report, () => {
      const lines = formatReport(flags, asked, target, { details: reading.details, scores: reading.scores }, result, prepared.questions.length);
      lines.push(`DISCA: ${panel.length} personas + base, ${prepared.requests.length} requests (${prepared.members} candidate-equivalents) in ${seconds.toFixed(1)} s; over ${reading.summary.dilemmas} dilemmas mean gate ${reading.summary.meanGate.toFixed(3)}, mean |correction| ${reading.summary.meanCorrection.toFixed(3)}`);
      process.stdout.write(`${lines.join('\n')}\n`);
    });
  } finally {
    await model.dispose();
  }
}

function surveyCommand(command: Command, fixed?: AnyInstrument): Command {
  addTargetOptions(addModelOptions(command));
  addInstrumentOptions(command, { withName: fixed === undefined });
  return addDiscaOptions(command)
    .addOption(new Option('--soft-prompt <file>', 'soft prompt: PEFT adapter_model.safetensors, .npy or .json').conflicts('persona'))
    .addOption(new Option('--persona', 'precede every question with "You are a person from <country>." (needs --country)').conflicts('softPrompt'))
    .addOption(new Option('--condition <kind>', 'what the questions are asked with: none, persona (as --persona), disca (MultiTP steered by a persona panel: needs --personas or --wvs)').choices(['none', 'persona', 'disca']))
    .addOption(new Option('--placement <where>', 'where the soft prompt goes').choices(['start', 'after-bos']).default('start'))
    .option('--json [file]', 'print JSON instead of the table, or with a file name write it there too')
    .action((flags: SurveyFlags) => runSurvey(fixed ? { ...flags, instrument: fixed.name } : flags));
}

/** `cultune survey --instrument NAME`, and `cultune NAME` for each registered instrument. */
export function register(program: Command): void {
  surveyCommand(program.command('survey').description("The model's answers to an instrument's questions: its scores and, with --country, the loss against that country's target"));
  for (const instrument of instruments()) {
    surveyCommand(program.command(instrument.name).description(`${instrument.title}: the model's scores and, with --country, the loss (cultune survey --instrument ${instrument.name})`), instrument);
  }
}
