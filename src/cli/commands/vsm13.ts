import { existsSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { readSoftPromptFile } from '../../model/index.ts';
import type { Placement } from '../../model/types.ts';
import { UserError, describeError } from '../../util/errors.ts';
import { readTextFile } from '../../util/text-file.ts';
import { checkWritable } from '../../util/atomic.ts';
import { constantsFromJson, explicitConstants, parseDimensionAssignments, zeroConstants, type IndexConstants } from '../../vsm13/constants.ts';
import { DIMENSIONS } from '../../vsm13/dimensions.ts';
import { evaluateVsm13 } from '../../vsm13/evaluate.ts';
import { ITEM_COUNT } from '../../vsm13/indices.ts';
import { vsm13Loss, type LossMetric, type Vsm13Loss } from '../../vsm13/loss.ts';
import { DEFAULT_VARIANTS } from '../../vsm13/respondents.ts';
import { describeSource, explainMissingDimensions, targetValues, type Target } from '../../vsm13/targets.ts';
import type { AnswerMode, Vsm13Scores } from '../../vsm13/vsm13-instrument.ts';
import { addModelOptions, openModel, type ModelFlags } from '../model-options.ts';
import { progressReporter } from '../progress.ts';
import { addTargetOptions, emitJson, targetFromFlags, type TargetFlags } from './targets.ts';
import { integerAtLeast } from '../parsers.ts';

interface Vsm13Flags extends ModelFlags, TargetFlags {
  softPrompt?: string;
  persona?: boolean;
  placement: Placement;
  variants: number;
  constants: string;
  answer: AnswerMode;
  metric: LossMetric;
  json?: string | boolean;
}

/** `zero`, `PDI=10,IDV=-5,...` (others 0), or a JSON file such as the constants a run stored. */
function constantsFromFlag(value: string): IndexConstants {
  if (value === 'zero') return zeroConstants();
  if (value.includes('=')) return explicitConstants(parseDimensionAssignments(value, '--constants'));
  if (!existsSync(value)) throw new UserError(`--constants: "${value}" is neither zero, DIM=NUMBER pairs nor an existing JSON file`);
  const text = readTextFile(value);
  try {
    return constantsFromJson(JSON.parse(text), value);
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(`${value}: not valid JSON (${describeError(error).replace(/\s+/g, ' ')})`);
  }
}

function conditioningOf(flags: Vsm13Flags, target: Target | undefined): string {
  if (flags.softPrompt) return `soft prompt ${flags.softPrompt} (${flags.placement})`;
  if (flags.persona && target) return `persona "You are a person from ${target.country.personaName}."`;
  return 'no conditioning';
}

function formatReport(flags: Vsm13Flags, target: Target | undefined, scores: Vsm13Scores, loss: Vsm13Loss | undefined, prompts: number): string[] {
  // Number(..) turns a rounded "-0.0" into 0.
  const number = (v: number | undefined) => (v === undefined ? '-' : Number(v.toFixed(1)).toFixed(1)).padStart(9);
  const lines = [
    `VSM 2013 on ${flags.model}: ${conditioningOf(flags, target)}; ${scores.variants} respondent variants (${prompts} prompts)`,
    `constants C: ${scores.constants.kind}${scores.constants.kind === 'zero' ? ' (raw VSM 2013 scale: only the C-free rank measures compare with published scores)' : ` (${DIMENSIONS.map((d) => `${d} ${scores.constants.values[d].toFixed(1)}`).join(', ')})`}`,
    '',
    `dim  ${'expected'.padStart(9)}${'argmax'.padStart(9)}${'target'.padStart(9)}${`|diff|`.padStart(9)}  target source`,
  ];
  for (const d of DIMENSIONS) {
    const value = target?.values[d];
    const difference = loss?.difference[d];
    lines.push(
      `${d}  ${number(scores.indices.expected[d])}${number(scores.indices.argmax[d])}${number(value?.value)}${number(difference === undefined ? undefined : Math.abs(difference))}  ${value ? describeSource(value.source) : target ? 'missing' : ''}`,
    );
  }
  if (loss) {
    lines.push('', `VSM13 loss (${loss.metric.toUpperCase()}, ${flags.answer} answers, ${loss.usedDimensions.length} of 6 dimensions): ${loss.loss.toFixed(3)}`);
  }
  if (target) lines.push(...explainMissingDimensions(target));
  return lines;
}

export function register(program: Command): void {
  addTargetOptions(
    addModelOptions(
      program
        .command('vsm13')
        .description("Answers of the model to the VSM 2013 questionnaire: six Hofstede scores and, with --country, the loss against that country's target"),
    ),
  )
    .addOption(new Option('--soft-prompt <file>', 'soft prompt: PEFT adapter_model.safetensors, .npy or .json').conflicts('persona'))
    .addOption(new Option('--persona', 'precede every question with "You are a person from <country>." (needs --country)').conflicts('softPrompt'))
    .addOption(new Option('--placement <where>', 'where the soft prompt goes').choices(['start', 'after-bos']).default('start'))
    .addOption(new Option('--variants <n>', 'respondent variants averaged per item (pairs of scale order and reversed)').default(DEFAULT_VARIANTS).argParser(integerAtLeast(1)))
    .option('--constants <c>', 'index constants C: zero, DIM=NUMBER pairs (others 0), or a JSON file', 'zero')
    .addOption(new Option('--answer <mode>', 'answer reading the loss uses (both are printed)').choices(['expected', 'argmax']).default('expected'))
    .addOption(new Option('--metric <metric>', 'l1: mean absolute difference; l2: mean squared difference').choices(['l1', 'l2']).default('l1'))
    .option('--json [file]', 'print JSON instead of the table, or with a file name write it there too')
    .action(async (flags: Vsm13Flags) => {
      // Everything a user can get wrong is checked before the model is loaded.
      const target = targetFromFlags(flags);
      if (flags.persona && !target) throw new UserError('--persona needs --country');
      const constants = constantsFromFlag(flags.constants);
      if (typeof flags.json === 'string') checkWritable(flags.json, 'file');
      const model = await openModel(flags, flags.json === true);
      try {
        const softPrompt = flags.softPrompt === undefined ? undefined : await readSoftPromptFile(flags.softPrompt, model.hidden);
        const prompts = flags.variants * ITEM_COUNT;
        const progress = progressReporter('vsm13', prompts);
        const scores = await evaluateVsm13(model, {
          variants: flags.variants,
          persona: flags.persona ? target?.country.personaName : undefined,
          constants,
          softPrompt,
          placement: flags.placement,
          onProgress: progress.update,
        });
        progress.stop();
        const values = target ? targetValues(target) : {};
        const loss = Object.keys(values).length > 0 ? vsm13Loss(scores.indices[flags.answer], values, { metric: flags.metric }) : undefined;
        const report = {
          model: flags.model,
          conditioning: flags.softPrompt ? { softPrompt: flags.softPrompt, placement: flags.placement } : flags.persona ? { persona: target?.country.personaName } : null,
          settings: { variants: flags.variants, answer: flags.answer, metric: flags.metric },
          target: target ?? null,
          scores,
          loss: loss ?? null,
        };
        emitJson(flags.json, report, () => process.stdout.write(`${formatReport(flags, target, scores, loss, prompts).join('\n')}\n`));
      } finally {
        await model.dispose();
      }
    });
}
