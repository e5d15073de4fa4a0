import type { ChatMessage, Placement, ScoreRequest, Scorer, TextTokenizer } from '../model/types.ts';
import { buildScoreRequest, conditionMessages, IndistinctAnswersError, scoreUnderPrompts, softPromptOf } from '../instruments/index.ts';
import type { SetAsideItem } from '../util/set-aside.ts';
import { conditioningsFor, type AskedWith, type Condition } from './conditions.ts';
import { easyClozeBody, easyLetterBody, hardBody } from './prompts.ts';
import { rotate, ROTATIONS } from './rotation.ts';
import { groupBy } from './group-by.ts';
import { argmax, choicesFromOrderFreeScores, judgedTrue, rightUnderRotation, rotationCorrectness } from './scoring.ts';
import { OPTION_LETTERS, type EasyQuestion, type HardQuestion } from './types.ts';

export interface EvaluateOptions {
  condition: Condition;
  /** Also ask each question with every other country's persona or prompt. */
  cross?: boolean;
  /** All countries of the dataset: the personas `cross` goes through. */
  datasetCountries: readonly string[];
  /** Where soft prompts go; should match how they were tuned. */
  placement?: Placement;
  /** Requests prepared (tokenised), then scored, so far out of all requests of the run. */
  onProgress?: (done: number, total: number, phase: Phase) => void;
  /** Receives every request as asked and judged (`eval --log-samples`); the prompt is rendered only when this is given. */
  onSample?: (sample: CulturalBenchSample) => void;
}

/**
 * One request as asked and judged (lm-evaluation-harness's per-sample record): an Easy question's
 * cloze request or one rotation of its letter request, or one Hard statement. `chosen` and `target`
 * index `options`; `correct` is whether they agree.
 */
export interface CulturalBenchSample {
  set: 'easy' | 'hard';
  questionId: number;
  country: string;
  /** "cloze", "letter, rotation r" or "statement s". */
  asked: string;
  prompt: string;
  options: string[];
  loglikelihoods: number[];
  chosen: number;
  target: number;
  correct: boolean;
}

/** Tokenising every prompt takes a while too (milliseconds a request), so it gets its own progress. */
export type Phase = 'tokenising' | 'scoring';

/** One Easy question asked under one conditioning: rightness per rotation, for both scoring methods. */
export interface EasyOutcome {
  questionId: number;
  country: string;
  /** The country whose persona or prompt was used; null when unconditioned. */
  conditioning: string | null;
  /** The option letter as a multiple-choice answer, per rotation. */
  letter: boolean[];
  /** The option text's log-likelihood (lm-evaluation-harness), per rotation. */
  loglikelihood: boolean[];
}

export interface HardOutcome {
  questionId: number;
  country: string;
  conditioning: string | null;
  /** Whether each of the four statements was judged right. */
  statements: boolean[];
}

export interface EvaluationResult {
  easy: EasyOutcome[];
  hard: HardOutcome[];
  /** Questions this model's tokenizer could not ask (two answers tokenise the same), with the reason. */
  setAside: SetAsideItem[];
  requests: number;
  seconds: number;
}

/** The option a request's scores pick, and the right one, as indices of its answers. */
interface Judgement {
  chosen: number;
  target: number;
}

/** A request plus where its scores go; `about` is what a logged sample says of it. */
interface Job {
  askedWith: AskedWith;
  request: ScoreRequest;
  receive: (scores: number[]) => Judgement;
  about: { set: 'easy' | 'hard'; questionId: number; country: string; asked: string; messages: ChatMessage[]; answers: readonly string[] };
}

const TRUTH_ANSWERS = ['True', 'False'] as const;

/** One question's request under a conditioning, through the one request builder. */
function job(tokenizer: TextTokenizer, body: string, askedWith: AskedWith, answers: readonly string[], about: Omit<Job['about'], 'messages' | 'answers'>, receive: Job['receive']): Job {
  const messages = conditionMessages([{ role: 'user', content: body }], askedWith.conditioning);
  return { askedWith, request: buildScoreRequest(tokenizer, messages, answers, 'a CulturalBench question'), receive, about: { ...about, messages, answers } };
}

function easyJobs(tokenizer: TextTokenizer, question: EasyQuestion, askedWith: AskedWith, outcome: EasyOutcome): Job[] {
  const about = (asked: string) => ({ set: 'easy' as const, questionId: question.id, country: question.country, asked });
  return [
    // The cloze prompt does not show the options, so one request serves all four rotations.
    job(tokenizer, easyClozeBody(question.question), askedWith, question.options, about('cloze'), (scores) => {
      outcome.loglikelihood = rotationCorrectness(question.answer, choicesFromOrderFreeScores(scores));
      return { chosen: argmax(scores), target: question.answer };
    }),
    ...ROTATIONS.map((r) =>
      job(tokenizer, easyLetterBody(question.question, rotate(question.options, r)), askedWith, OPTION_LETTERS, about(`letter, rotation ${r}`), (scores) => {
        const chosen = argmax(scores);
        outcome.letter[r] = rightUnderRotation(question.answer, chosen, r);
        // The position showing the right option under rotation r.
        return { chosen, target: (question.answer - r + OPTION_LETTERS.length) % OPTION_LETTERS.length };
      }),
    ),
  ];
}

function hardJobs(tokenizer: TextTokenizer, question: HardQuestion, askedWith: AskedWith, outcome: HardOutcome): Job[] {
  return question.statements.map((statement, i) =>
    job(tokenizer, hardBody(question.question, statement.text), askedWith, TRUTH_ANSWERS, { set: 'hard', questionId: question.id, country: question.country, asked: `statement ${i}` }, (scores) => {
      const chosen = judgedTrue(scores[0], scores[1]) ? 0 : 1;
      const target = statement.isTrue ? 0 : 1;
      outcome.statements[i] = chosen === target;
      return { chosen, target };
    }),
  );
}

/** A job as a logged sample, its prompt rendered as the request builder renders it. */
function sampleOf(tokenizer: TextTokenizer, job: Job, scores: number[], judged: Judgement): CulturalBenchSample {
  const { messages, answers, ...about } = job.about;
  const prompt = tokenizer.applyChatTemplate(messages, { addGenerationPrompt: true });
  return { ...about, prompt, options: [...answers], loglikelihoods: scores, ...judged, correct: judged.chosen === judged.target };
}

/** Sends the jobs to the model, one call per soft prompt, and hands each job its scores. */
async function runJobs(scorer: Scorer, jobs: Job[], { onProgress, onSample }: Pick<EvaluateOptions, 'onProgress' | 'onSample'>): Promise<void> {
  const groups = groupBy(jobs, (job) => job.askedWith.groupKey);
  let offset = 0;
  for (const group of groups.values()) {
    const { softPrompt, placement } = softPromptOf(group[0].askedWith.conditioning);
    const [scores] = await scoreUnderPrompts(scorer, group.map((job) => job.request), [softPrompt], {
      placement,
      // The runtime may count its own units (rows, not requests): pass on the fraction done.
      onProgress: onProgress && ((done, total) => onProgress(offset + Math.round((done / total) * group.length), jobs.length, 'scoring')),
    });
    group.forEach((job, i) => {
      const judged = job.receive(scores[i]);
      onSample?.(sampleOf(scorer.tokenizer, job, scores[i], judged));
    });
    offset += group.length;
  }
}

const EASY_REQUESTS = 1 + ROTATIONS.length;
const HARD_REQUESTS = 4;
const PREPARE_PROGRESS_EVERY = 100;

/** Asks every question (Easy under four rotations and two scoring methods, Hard statement by statement). */
export async function evaluateCulturalBench(
  scorer: Scorer,
  questions: { easy: readonly EasyQuestion[]; hard: readonly HardQuestion[] },
  options: EvaluateOptions,
): Promise<EvaluationResult> {
  const started = performance.now();
  const conditionings = (country: string) => conditioningsFor(options.condition, country, options.cross ?? false, options.datasetCountries, options.placement);
  const easyAsked = questions.easy.flatMap((question) => conditionings(question.country).map((conditioning) => ({ question, askedWith: conditioning })));
  const hardAsked = questions.hard.flatMap((question) => conditionings(question.country).map((conditioning) => ({ question, askedWith: conditioning })));
  let total = easyAsked.length * EASY_REQUESTS + hardAsked.length * HARD_REQUESTS;
  const jobs: Job[] = [];
  // Tokenising is synchronous: report and yield now and then so a progress bar can redraw.
  const prepared = async (added: Job[]) => {
    const before = jobs.length;
    jobs.push(...added);
    if (Math.floor(jobs.length / PREPARE_PROGRESS_EVERY) > Math.floor(before / PREPARE_PROGRESS_EVERY) || jobs.length === total) {
      options.onProgress?.(jobs.length, total, 'tokenising');
      await new Promise(setImmediate);
    }
  };
  const setAside: SetAsideItem[] = [];
  // A question whose answers this tokenizer cannot tell apart is set aside once, whatever it was asked with.
  const unaskable = new Set<string>();
  const ask = async <T>(kind: 'easy' | 'hard', question: { id: number; country: string }, outcome: T, outcomes: T[], build: () => Job[]) => {
    const key = `${kind}:${question.id}`;
    // The progress total counted this question's requests: it no longer will be.
    const skip = () => {
      total -= kind === 'easy' ? EASY_REQUESTS : HARD_REQUESTS;
    };
    if (unaskable.has(key)) {
      skip();
      return;
    }
    let built: Job[];
    try {
      built = build();
    } catch (error) {
      if (!(error instanceof IndistinctAnswersError)) throw error;
      unaskable.add(key);
      const reason = `answers tokenise the same for this model: "${error.first}" and "${error.second}"`;
      setAside.push({ source: `CulturalBench-${kind === 'easy' ? 'Easy' : 'Hard'}`, id: String(question.id), line: null, country: question.country, reason });
      skip();
      return;
    }
    outcomes.push(outcome);
    await prepared(built);
  };
  const easy: EasyOutcome[] = [];
  for (const { question, askedWith } of easyAsked) {
    const outcome: EasyOutcome = { questionId: question.id, country: question.country, conditioning: askedWith.country, letter: [], loglikelihood: [] };
    await ask('easy', question, outcome, easy, () => easyJobs(scorer.tokenizer, question, askedWith, outcome));
  }
  const hard: HardOutcome[] = [];
  for (const { question, askedWith } of hardAsked) {
    const outcome: HardOutcome = { questionId: question.id, country: question.country, conditioning: askedWith.country, statements: [] };
    await ask('hard', question, outcome, hard, () => hardJobs(scorer.tokenizer, question, askedWith, outcome));
  }
  await runJobs(scorer, jobs, options);
  return { easy, hard, setAside, requests: jobs.length, seconds: (performance.now() - started) / 1000 };
}
