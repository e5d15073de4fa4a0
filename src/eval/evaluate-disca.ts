import { askedOn, resultOf, type InstrumentResult, type InstrumentSpec, type SplitPart } from '../instruments/index.ts';
import { CLASSIFY, generates } from '../instruments/formats.ts';
import { MULTITP, type MultiTpSettings } from '../instruments/multitp/index.ts';
import { prepareDisca, runDisca, type DiscaPlan } from '../instruments/multitp/disca/index.ts';
import type { Placement, Scorer, SoftPrompt } from '../model/types.ts';
import type { Target } from '../targets/index.ts';
import { UserError } from '../util/errors.ts';

/** Why DISCA cannot steer this instrument spec, or undefined when it can: it reads MultiTP's A/B log-probs directly. */
export function discaRefusal(spec: InstrumentSpec): string | undefined {
  if (spec.instrument.name !== MULTITP.name) return `DISCA steers MultiTP's forced choices; this evaluation asks ${spec.instrument.title}`;
  if (generates(spec.format ?? CLASSIFY)) return "DISCA reads the answers' log-probs directly: leave --format at classify";
  return undefined;
}

/**
 * MultiTP under DISCA (the survey's path, src/instruments/multitp/disca/steer-survey.ts) as an eval
 * result: the side's questions under the base prompt and every persona in one scoring call, under the
 * run's soft prompt where given (soft+disca), steered dilemma by dilemma, with the per-dilemma units.
 */
export async function discaResult(
  scorer: Scorer,
  spec: InstrumentSpec,
  target: Target,
  disca: DiscaPlan,
  options: { part?: SplitPart; softPrompt?: SoftPrompt; placement: Placement },
): Promise<InstrumentResult> {
  const refusal = discaRefusal(spec);
  if (refusal) throw new UserError(refusal);
  const { settings, questions } = options.part ? askedOn(spec, target, options.part) : { settings: spec.settings, questions: spec.instrument.questions(spec.settings, target) };
  const prepared = prepareDisca(scorer.tokenizer, settings as MultiTpSettings, target, disca.panel, disca.parameters, disca.seed, questions);
  const reading = await runDisca(scorer, prepared, { softPrompt: options.softPrompt, placement: options.placement });
  return resultOf(spec, { details: reading.details, scores: reading.scores, units: reading.units }, target);
}
