import path from 'node:path';
import { prepareKnowledgeObjective, questionsIn, type CulturalBenchData } from '../culturalbench/index.ts';
import { GDE3, hypervolume, kneeIndex, type GDE3Strategy, type StopReason } from '../de/index.ts';
import { encodeSoftPromptJson } from '../embedding/index.ts';
import type { InstrumentResult, Objective } from '../instruments/index.ts';
import type { LoadedModel } from '../model/index.ts';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic.ts';
import { UserError } from '../util/errors.ts';
import {
  CHECKPOINT_FILE, FRONT_FILE, PROMPT_FILE, readRunJson,
  type Checkpoint, type FrontFile, type FrontMember, type FrontObjectives, type GenerationRecord, type RunInfo,
} from './run-files.ts';
import type { SearchSpace } from './search-space.ts';
import { median, noFiniteObjectiveError, populationOptions, restoreOrCreate, runGenerations, type TrainCallbacks } from './train-loop.ts';

/** The hypervolume's reference point: 10 % beyond the worst first-generation loss, and error 1 (accuracy 0). */
const REFERENCE_MARGIN = 1.1;

/** One candidate's evaluation, found again by its vector when it survives onto the front. */
interface Scored {
  objectives: number[];
  result: InstrumentResult;
}

/** A vector's exact bytes as a key: front members are candidates' vectors, copied bit for bit. */
function vectorKey(vector: ArrayLike<number>): string {
  return Buffer.from(Float32Array.from(vector as ArrayLike<number>).buffer).toString('base64');
}

/** The GDE3 strategy of a run: DE's default (SHADE, single-objective only) becomes GDE3's rand/1/bin. */
export function gde3Strategy(strategy: string): GDE3Strategy {
  if (strategy === 'shade') return 'rand/1/bin';
  return strategy as GDE3Strategy;
}

/** front.json: the members with their soft prompts, derived from the checkpoint's front. */
function writeFrontFile(runDir: string, objectives: FrontObjectives, members: readonly Omit<FrontMember, 'prompt'>[], chosen: number, space: SearchSpace): void {
  const withPrompts = members.map((m) => {
    const prompt = space.toPrompt(Float32Array.from(m.vector));
    return { ...m, prompt: { shape: [prompt.k, prompt.hidden], data: Array.from(prompt.data) } };
  });
  const file: FrontFile = { objectives: objectives.names, rule: 'knee', chosen, members: withPrompts };
  writeJsonAtomic(path.join(runDir, FRONT_FILE), file);
}

/** The CulturalBench data must be the file the split was drawn from. */
function checkData(objectives: FrontObjectives, data: CulturalBenchData): void {
  const easy = data.files.find((f) => f.kind === 'easy');
  if (easy?.sha256 !== objectives.easySha256) {
    throw new UserError(`the run's CulturalBench split was drawn from another CulturalBench-Easy file (sha256 ${objectives.easySha256.slice(0, 12)}); pass the same --culturalbench-data`);
  }
}

/**
 * GDE3 on two objectives: the instrument's loss and CulturalBench error on the training split. Every
 * generation ends with the chosen prompt as prompt.json, the checkpoint (optimiser, front, hypervolume
 * history), then front.json (the members with their prompts, derived from the checkpoint); all atomic,
 * in that order, so a kill between writes only repeats the generation, or rewrites front.json, on resume.
 */
export async function searchFront(
  runDir: string,
  info: RunInfo & { objectives: FrontObjectives },
  model: LoadedModel,
  objective: Objective,
  space: SearchSpace,
  data: CulturalBenchData | undefined,
  callbacks: TrainCallbacks,
): Promise<{ stopReason: StopReason; best: InstrumentResult; history: GenerationRecord[] }> {
  if (!data) throw new UserError('a multi-objective run needs CulturalBench: pass --culturalbench-data DIR or allow the download');
  checkData(info.objectives, data);
  const knowledge = prepareKnowledgeObjective(model, questionsIn(data.easy, info.objectives.split, 'train'), { placement: info.softPrompt.placement });
  const { search } = info;
  const saved = readRunJson<Checkpoint>(runDir, CHECKPOINT_FILE);
  const gde3 = restoreOrCreate(runDir, saved, search.budget, (json) => GDE3.fromJSON(json), () => new GDE3({
    ...populationOptions(space, search),
    objectives: 2,
    strategy: gde3Strategy(search.strategy),
    stop: { maxEvaluations: search.budget, maxGenerations: search.generations },
  }));
  const history: GenerationRecord[] = saved?.history ?? [];
  let reference = saved?.hypervolumeReference;
  // Evaluations of the current front, so survivors keep their instrument results across generations.
  let known = new Map<string, Scored>((saved?.front ?? []).map((m) => [vectorKey(m.vector), { objectives: m.objectives, result: m.result }]));
  let best = saved?.best ?? null;
  let members = saved?.front ?? [];
  let chosen = members.length > 0 ? kneeIndex(members.map((m) => m.objectives)) : 0;
  let rows: number[][] = [];
  const stopReason = await runGenerations<Scored>(gde3, model, space, history, callbacks, {
    score: async (vectors, prompts) => {
      const results = await objective.evaluateMany(prompts);
      const accuracies = await knowledge.evaluateMany(prompts);
      return results.map((result, i) => {
        const scored = { objectives: [result.loss.value, 1 - accuracies[i]], result };
        known.set(vectorKey(vectors[i]), scored);
        return scored;
      });
    },
    tell: (scores) => {
      rows = scores.map((s) => s.objectives);
      gde3.tell(rows);
      reference ??= [REFERENCE_MARGIN * Math.max(...rows.map((r) => r[0]).filter(Number.isFinite)), 1];
      members = gde3.front.vectors.map((vector) => {
        const scored = known.get(vectorKey(vector));
        if (!scored) throw new Error('a front member was never evaluated');
        return { ...scored, vector: Array.from(vector) };
      });
      known = new Map(members.map((m) => [vectorKey(m.vector), { objectives: m.objectives, result: m.result }]));
      // Only candidates with finite objectives reach the front, and a finite member never leaves it for a non-finite one.
      if (members.length === 0) {
        const objectives = [{ name: `${info.instrument.name} loss`, values: rows.map((r) => r[0]) }, { name: 'CulturalBench error', values: rows.map((r) => r[1]) }];
        throw noFiniteObjectiveError(gde3.generation, objectives, scores.map((s) => s.result));
      }
      chosen = kneeIndex(members.map((m) => m.objectives));
      best = members[chosen].result;
    },
    save: (seconds) => {
      const record: GenerationRecord = {
        generation: gde3.generation,
        evaluations: gde3.evaluations,
        bestLoss: Math.min(...members.map((m) => m.objectives[0])),
        medianLoss: median(rows.map((r) => r[0])),
        seconds,
        hypervolume: hypervolume(members.map((m) => m.objectives), reference!),
        frontSize: members.length,
      };
      history.push(record);
      // The chosen prompt goes first: a kill before the checkpoint only repeats this generation on resume.
      writeFileAtomic(path.join(runDir, PROMPT_FILE), encodeSoftPromptJson(space.toPrompt(Float32Array.from(members[chosen].vector))));
      const checkpoint: Checkpoint = { generation: gde3.generation, evaluations: gde3.evaluations, history, best: best!, de: gde3.toJSON(), hypervolumeReference: reference, front: members };
      writeJsonAtomic(path.join(runDir, CHECKPOINT_FILE), checkpoint);
      writeFrontFile(runDir, info.objectives, members, chosen, space);
      return { record, checkpoint };
    },
  });
  if (!best || members.length === 0) throw new UserError('every candidate gave a non-finite loss; check the model and the target');
  // Again after the loop: a run killed between its last checkpoint and front.json ends here on resume.
  writeFrontFile(runDir, info.objectives, members, chosen, space);
  return { stopReason, best, history };
}
