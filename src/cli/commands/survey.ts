import { Option, type Command } from 'commander';
import { describeInstrument, instruments, prepareInstrument, resultOf, storedInstrument, type AnyInstrument, type Conditioning, type InstrumentResult, type InstrumentSpec, type Reading } from '../../instruments/index.ts';
import { readSoftPromptFile } from '../../model/index.ts';
import type { Placement } from '../../model/types.ts';
import { describeSource, explainMissing, type Target } from '../../targets/index.ts';
import { calibratedSpec } from '../../instruments/vsm13/calibration.ts';
import { checkWritable } from '../../util/atomic.ts';
import { UserError } from '../../util/errors.ts';
import { addInstrumentOptions, instrumentFromFlags, loadInstrumentData, type InstrumentFlags } from '../instrument-options.ts';
import { addModelOptions, openModel, type ModelFlags } from '../model-options.ts';
import { progressReporter } from '../progress.ts';
import { addTargetOptions, emitJson, targetFromFlags, type TargetFlags } from './targets.ts';

interface SurveyFlags extends ModelFlags, TargetFlags, InstrumentFlags {
  softPrompt?: string;
  persona?: boolean;
  placement: Placement;
  json?: string | boolean;
}

function describeConditioning(flags: SurveyFlags, target: Target | undefined): string {
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
  const asked = instrumentFromFlags(flags);
  await loadInstrumentData(asked.instrument, flags, flags.json === true);
  const target = targetFromFlags(flags, asked.instrument);
  if (flags.persona && !target) throw new UserError('--persona needs --country');
  if (typeof flags.json === 'string') checkWritable(flags.json, 'file');
  const model = await openModel(flags, flags.json === true, { format: asked.format });
  try {
    const softPrompt = flags.softPrompt === undefined ? undefined : readSoftPromptFile(flags.softPrompt, model.hidden);
    // Anchored constants are fitted on the model, leaving out the --country asked about (the output names them).
    const spec = await calibratedSpec(model, asked, target?.country);
    const conditioning: Conditioning = flags.persona && target ? { kind: 'persona', place: target.country.personaName, style: 'user' } : { kind: 'none' };
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

function surveyCommand(command: Command, fixed?: AnyInstrument): Command {
  addTargetOptions(addModelOptions(command));
  addInstrumentOptions(command, { withName: fixed === undefined });
  return command
    .addOption(new Option('--soft-prompt <file>', 'soft prompt: PEFT adapter_model.safetensors, .npy or .json').conflicts('persona'))
    .addOption(new Option('--persona', 'precede every question with "You are a person from <country>." (needs --country)').conflicts('softPrompt'))
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
