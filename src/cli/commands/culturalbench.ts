import path from 'node:path';
import { Option, type Command } from 'commander';
import {
  crossMatrix,
  datasetCountries,
  evaluateCulturalBench,
  formatBreakdown,
  formatCross,
  resolveCountry,
  selectQuestions,
  softPromptsFromDirectory,
  summarise,
  tryLoadCulturalBench,
  type Condition,
  type CulturalBenchReport,
} from '../../culturalbench/index.ts';
import { PERSONA_STYLES, type PersonaStyle } from '../../instruments/index.ts';
import { readSoftPromptFile } from '../../model/index.ts';
import type { Placement } from '../../model/types.ts';
import { checkWritable, writeJsonAtomic } from '../../util/atomic.ts';
import { UserError } from '../../util/errors.ts';
import { describeSetAside, type SetAsideItem } from '../../util/set-aside.ts';
import { addModelOptions, openModel, type ModelFlags } from '../model-options.ts';
import { readSettings } from '../../util/settings.ts';
import { addCulturalBenchSamplingOptions, type CulturalBenchSamplingFlags } from '../culturalbench-options.ts';
import { progressReporter } from '../progress.ts';

interface CulturalBenchFlags extends ModelFlags, CulturalBenchSamplingFlags {
  condition: 'none' | 'persona' | 'soft';
  personaStyle: PersonaStyle;
  softPrompt?: string;
  softPromptDir?: string;
  placement: Placement;
  country?: string;
  cross?: boolean;
  culturalbenchData?: string;
  cacheDir?: string;
  baseUrl?: string;
  download: boolean;
  json?: boolean;
  output?: string;
}

function checkFlags(flags: CulturalBenchFlags): void {
  const softFlags = [flags.softPrompt, flags.softPromptDir].filter((f) => f !== undefined).length;
  if (flags.condition === 'soft' && softFlags !== 1) throw new UserError('--condition soft needs exactly one of --soft-prompt FILE or --soft-prompt-dir DIR');
  if (flags.condition !== 'soft' && softFlags > 0) throw new UserError('--soft-prompt and --soft-prompt-dir need --condition soft');
  if (flags.cross && !(flags.condition === 'persona' || flags.softPromptDir)) {
    throw new UserError('--cross needs --condition persona or --condition soft with --soft-prompt-dir (one prompt per country)');
  }
}

async function buildCondition(flags: CulturalBenchFlags, hidden: number, countries: readonly string[]): Promise<{ condition: Condition; described: CulturalBenchReport['condition'] }> {
  if (flags.condition === 'none') return { condition: {}, described: { kind: 'none' } };
  if (flags.condition === 'persona') {
    return { condition: { text: { style: flags.personaStyle } }, described: { kind: 'persona', style: flags.personaStyle } };
  }
  if (flags.softPrompt) {
    const prompt = await readSoftPromptFile(flags.softPrompt, hidden);
    return {
      condition: { soft: { kind: 'single', label: path.basename(flags.softPrompt), prompt } },
      described: { kind: 'soft', prompts: { '*': flags.softPrompt }, placement: flags.placement },
    };
  }
  const dir = flags.softPromptDir as string;
  const byCountry = await softPromptsFromDirectory(dir, hidden, readSoftPromptFile, countries);
  return {
    condition: { soft: { kind: 'per-country', byCountry } },
    described: { kind: 'soft', prompts: Object.fromEntries([...byCountry.keys()].map((c) => [c, dir])), placement: flags.placement },
  };
}

/** The dataset's set-aside items about the country asked (all of them when no --country). */
function setAsideAbout(items: readonly SetAsideItem[], country: string | undefined): SetAsideItem[] {
  return items.filter((item) => country === undefined || item.country === undefined || item.country === country);
}

function defaultOutput(flags: CulturalBenchFlags): string {
  const country = flags.country ? `-${flags.country.toLowerCase().replace(/[^a-z0-9]+/g, '-')}` : '';
  return path.join('report', `culturalbench-${flags.condition}${country}.json`);
}

async function runCulturalBench(flags: CulturalBenchFlags): Promise<void> {
  checkFlags(flags);
  const output = flags.output ?? defaultOutput(flags);
  checkWritable(output, 'file');
  const settings = readSettings();
  const loaded = await tryLoadCulturalBench(settings, { dataDir: flags.culturalbenchData, cacheDir: flags.cacheDir, baseUrl: flags.baseUrl, download: flags.download });
  if (!loaded.available) throw new UserError(loaded.reason);
  const { data } = loaded;
  const countries = datasetCountries(data);
  // A misspelt country fails here, before the model is loaded.
  const country = flags.country === undefined ? undefined : resolveCountry(flags.country, countries);
  const model = await openModel(flags, settings, true);
  const progress = progressReporter(`CulturalBench (${flags.condition})`);
  try {
    const { condition, described } = await buildCondition(flags, model.hidden, countries);
    const questions = selectQuestions(data, condition, { country, limit: flags.limit });
    const result = await evaluateCulturalBench(model, questions, {
      condition,
      cross: flags.cross,
      datasetCountries: countries,
      placement: flags.placement,
      onProgress: (done, total, phase) => progress.update(done, total, phase),
    });
    progress.stop();
    const results = summarise(result, { seed: flags.seed, bootstrapSamples: flags.bootstrap });
    const cross = flags.cross ? crossMatrix(result) : null;
    const report: CulturalBenchReport = {
      command: 'culturalbench',
      createdAt: new Date().toISOString(),
      model: flags.model,
      condition: described,
      country: country ?? null,
      limit: flags.limit ?? null,
      seed: flags.seed,
      bootstrapSamples: flags.bootstrap,
      data: data.files,
      setAside: [...setAsideAbout(data.setAside, country), ...result.setAside],
      timing: {
        requests: result.requests,
        seconds: result.seconds,
        questionsPerSecond: (result.easy.length + result.hard.length) / result.seconds,
      },
      results,
      cross,
    };
    writeJsonAtomic(output, report);
    if (flags.json) {
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    } else {
      process.stdout.write(`${formatBreakdown(results)}\n`);
      if (cross) process.stdout.write(`\n${formatCross(cross)}\n`);
      if (report.setAside.length > 0) process.stdout.write(`\n${describeSetAside(report.setAside)}: listed under "setAside" in ${output}\n`);
      process.stdout.write(`\n${report.timing.questionsPerSecond.toFixed(2)} questions/s; wrote ${output}\n`);
    }
  } finally {
    progress.stop();
    await model.dispose();
  }
}

export function register(program: Command): void {
  addCulturalBenchSamplingOptions(addModelOptions(program.command('culturalbench').description('Evaluate a model on CulturalBench Easy and Hard under a condition (none, persona, soft prompt)')))
    .addOption(new Option('--condition <kind>', 'what each question is asked with').choices(['none', 'persona', 'soft']).default('none'))
    .addOption(new Option('--persona-style <style>', "persona sentence as a system message or at the start of the user turn (the surveys' form)").choices(PERSONA_STYLES).default('system'))
    .option('--soft-prompt <file>', 'one soft prompt (.safetensors, .npy, .json or a PEFT folder) for every question')
    .option('--soft-prompt-dir <dir>', 'one soft prompt per country: <country>.safetensors|.npy|.json or <country>/adapter_model.safetensors')
    .addOption(new Option('--placement <where>', 'where the soft prompt goes (as tuned)').choices(['start', 'after-bos']).default('start'))
    .option('--country <name>', 'only questions about this country')
    .option('--cross', "also ask each question with every other country's persona or prompt")
    .option('--culturalbench-data <dir>', 'read local copies of the CSV files instead of the cache')
    .option('--cache-dir <dir>', 'download cache (default $CULTUNE_CACHE/culturalbench or ~/.cache/cultune/culturalbench)')
    .option('--base-url <url>', 'where to download the files from (default: the pinned Hugging Face revision, or $CULTUNE_CULTURALBENCH_URL)')
    .option('--no-download', 'use the cache only')
    .option('--json', 'print the JSON report instead of the table')
    .option('--output <file>', 'where to write the JSON report (default report/culturalbench-<condition>[-<country>].json)')
    .action((flags: CulturalBenchFlags) => runCulturalBench(flags));
}
