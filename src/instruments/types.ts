import type { ChatMessage } from '../model/types.ts';
import type { ReferenceTable, Target, TargetRequest } from '../targets/index.ts';
import type { Settings as EnvironmentSettings } from '../util/settings.ts';

/** One question as one simulated respondent sees it. */
export interface SurveyQuestion {
  /** Which item of the instrument this asks, e.g. "07" or "F063". */
  itemId: string;
  /** Which respondent variant asks it (profile, phrasing, option order). */
  variantId: string;
  messages: ChatMessage[];
  /** The texts the model may answer with, in the order shown, e.g. "1".."5". */
  answerKeys: string[];
  /** Each answer key's value on the item's own scale: shown reversed, key "1" may mean 5. */
  answerValues: number[];
}

/** Named numbers: an instrument's scores under the names its tables show ("PDI".."IVR", "PC1"/"PC2"). */
export type NamedScores = Record<string, number>;

/** A loss against a target, split by score where the instrument's loss splits that way. */
export interface InstrumentLoss {
  /** The number DE minimises. */
  value: number;
  /** How it is computed, for tables: "l1", "l2", "euclidean", "1 - similarity". */
  metric: string;
  /** Each score's part of the loss (|model - target| for l1), where it has one. */
  perScore: NamedScores;
  /** model - target per score, signed (which way a score is off). */
  difference: NamedScores;
  /** Scores the target lacks: left out of the loss, and reports say so. */
  missing: string[];
}

/**
 * What one evaluation of an instrument yields, the record train (best candidate), eval and report
 * share: the named scores with the target's values under the same names, the loss, and the
 * instrument's own detail (item means, both answer readings, constants) as plain JSON.
 */
export interface InstrumentResult {
  instrument: string;
  scores: NamedScores;
  target: NamedScores;
  loss: InstrumentLoss;
  details: unknown;
  /** The scores unit by unit, for intervals and paired tests (src/stats); absent for an instrument without a breakdown and in older records. */
  units?: ScoreUnits;
}

/** One unit of a score's breakdown: a question (GlobalOpinionQA), or a respondent profile over its phrasings and option orders (the surveys). */
export interface ScoreUnit {
  id: string;
  /** How many of the evaluation's questions it holds: each named score is the weighted mean of the units that carry it. */
  weight: number;
  /** Where a unit bears on some scores only (a MultiTP dilemma, on its own dimension's): those alone. */
  scores: NamedScores;
  /**
   * The group the unit is resampled within (MultiTP: its dilemma's dimension), where the units of one
   * group carry scores the others lack: a stratified bootstrap keeps every group's size, so every score
   * stays defined in every resample. Absent: all units are one group.
   */
  stratum?: string;
}

/** A result's units: what one is ("question", "respondent") and each one's scores. */
export interface ScoreUnits {
  unit: string;
  values: ScoreUnit[];
}

/**
 * How an instrument's scores break down into units a bootstrap can resample and a paired test can
 * exchange (src/stats). Every score here is a weighted mean over the units that carry it (a mean of
 * per-question similarities; indices and map positions affine in item means; a MultiTP preference over
 * its dimension's dilemmas), so the loss of any resample is `loss` of its weighted means.
 */
export interface ScoreBreakdown<Settings> {
  /** What one unit is, in prose: "question", "respondent". */
  unit: string;
  units(questions: readonly SurveyQuestion[], distributions: readonly number[][], settings: Settings, target: Target | undefined): ScoreUnit[];
  /** The loss of named scores against the target's named values, as `loss` computes it. */
  loss(named: NamedScores, target: NamedScores, settings: Settings): number;
}

/** One column of an instrument's tables and charts. */
export interface ScoreColumn {
  name: string;
  /** A longer name for legends ("Power Distance"). */
  title: string;
  /** Decimals shown in tables. */
  digits: number;
}

/** A command-line setting of an instrument (`--constants`, `--variants`): its flag, help and the key its value arrives under. */
export interface SettingOption {
  /** commander's flag text, e.g. "--constants <c>". */
  flags: string;
  description: string;
  choices?: readonly string[];
  /** commander's camelCase key of the flag ("constants"). */
  key: string;
  /** Shown in the help; the instrument applies it. */
  defaultText?: string;
}

/** Where an instrument's dataset comes from: `--data` (a local copy), or the dataset cache, downloading unless `download` is false. */
export interface DataSource {
  data?: string;
  download: boolean;
  /** The command's flag for a local copy, named in the advice when the cache cannot be filled; none where it has none. */
  localFlag?: string;
}

/** An instrument's dataset as its caller loaded it (once), and a line saying where it came from. */
export interface LoadedData<Data> {
  data: Data;
  description: string;
}

/**
 * What a held-out split divides (src/instruments/split.ts). `question`: the items, each asked of every
 * respondent variant on its side. `respondent`: the respondent profiles, every item asked on both
 * sides (an instrument whose scores need all its items, as VSM's indices and the map's projection
 * do); `variantsPerRespondent` is the most variants one profile gives, so a side of n profiles asks
 * at most n times that many. `stratumOf`, where questions fall into groups each score needs (MultiTP's
 * dimensions), names an item's group: the split is drawn group by group, so both sides hold every group.
 */
export type HoldoutUnit = { by: 'question'; stratumOf?: (itemId: string) => string } | { by: 'respondent'; variantsPerRespondent: number };

/** Flag values as they come from the command line: strings, undefined where not given. */
export type SettingFlags = Readonly<Record<string, string | undefined>>;

/**
 * The contract every instrument follows, after lm-evaluation-harness's tasks: it writes the questions,
 * turns the model's answer distributions into its scores, compares scores with a target, and says how
 * its columns are shown. It never calls the model: the objective (objective.ts) builds the requests,
 * scores them, and hands back the distributions.
 */
export interface Instrument<Settings extends object = object, Scores = unknown, Data = unknown> {
  /** The name `--instrument` takes and records carry. */
  readonly name: string;
  /** The name in prose and table headings ("VSM 2013"). */
  readonly title: string;
  /** The named scores tables show, in order. */
  readonly columns: readonly ScoreColumn[];
  /** The settings' command-line flags. */
  readonly options: readonly SettingOption[];
  /** What a held-out split divides; absent, the instrument is not split and its figures are all in-sample. */
  readonly holdout?: HoldoutUnit;
  /** The scores unit by unit, for intervals and paired tests; absent, the instrument's scores get none. */
  readonly breakdown?: ScoreBreakdown<Settings>;
  /**
   * Where the instrument's paper summarises its loss over countries by their plain mean (MultiTP's
   * macro-averaged MIS): that source, in prose. The report then gives the mean per condition.
   */
  readonly macroAverage?: string;
  /** Where targets come from; absent when the target is not a row of named values. */
  readonly table?: ReferenceTable;
  /**
   * For instruments whose targets come from a dataset: loads it (a local copy, else the dataset cache,
   * downloading once), for the caller to hand to `target`.
   */
  loadData?(source: DataSource, environment: EnvironmentSettings): Promise<LoadedData<Data>>;
  /** Settings from flags; flags not given keep `base`'s value (a run's stored settings), else the default. Plain JSON. */
  settings(flags: SettingFlags, base?: Settings): Settings;
  /**
   * The settings as they define a run, where some are fitted to the model once it is loaded (VSM 2013's
   * anchored constants compare by their panel, not by the values fitted): what a resumed run is checked
   * against. Absent: the settings themselves.
   */
  askedSettings?(settings: Settings): object;
  /** The target of one place, from `data` where the instrument has a dataset (loadData); a place the instrument has nothing for is a UserError. */
  target(request: TargetRequest, data?: Data): Target;
  /**
   * Per item, the answer value the target's people give most, where the target says it (MultiTP: the
   * side a country's preference favours). MIPROv2's demonstrations are these labels; an instrument
   * whose target is a scale position or whose items differ by country (VSM 2013, the map,
   * GlobalOpinionQA) has none, and is searched zero-shot.
   */
  labels?(settings: Settings, target: Target): Record<string, number>;
  /** Every question one evaluation asks (all items for all respondent variants), in a fixed order. */
  questions(settings: Settings, target: Target | undefined): SurveyQuestion[];
  /**
   * Scores from one probability distribution per question over that question's answer keys; the
   * questions may be one side of a held-out split (some items, or some respondents), and the scores
   * are over what was asked (the target where the scores compare answers with it, as GlobalOpinionQA's do).
   */
  scores(questions: readonly SurveyQuestion[], distributions: readonly number[][], settings: Settings, target: Target | undefined): Scores;
  /** The scores under the names of `columns`. */
  named(scores: Scores, settings: Settings): NamedScores;
  loss(scores: Scores, target: Target, settings: Settings): InstrumentLoss;
  /** Lines a command prints about the settings (the scale constants are on, the answer reading). */
  describeSettings(settings: Settings): string[];
}

/** Any instrument, as the registry and the generic layers hold them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyInstrument = Instrument<any, any, any>;
