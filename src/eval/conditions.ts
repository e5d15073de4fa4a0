/**
 * What a condition asks with: a sentence naming the country (the persona sentence, or a programmed
 * instruction from `cultune program`), the run's soft prompt, DISCA's steering of MultiTP, or several.
 */
export interface ConditionParts {
  text?: 'persona' | 'programmed';
  soft?: boolean;
  disca?: boolean;
}

/** The built-in conditions in the order reports list them, with their parts. */
const BUILT_IN = {
  none: {},
  persona: { text: 'persona' },
  programmed: { text: 'programmed' },
  soft: { soft: true },
  'programmed+soft': { text: 'programmed', soft: true },
  disca: { disca: true },
  'soft+disca': { soft: true, disca: true },
} as const satisfies Record<string, ConditionParts>;

export type BuiltInCondition = keyof typeof BUILT_IN;
/** A condition's name: a built-in one, or one added with registerCondition. */
export type EvalCondition = BuiltInCondition | (string & {});

/** Every condition an eval file may hold, by name, in the order reports list them: the built-in ones, then those registered. */
const registry = new Map<string, ConditionParts>(Object.entries(BUILT_IN));

/** The conditions any run can be evaluated under (demo, sweep --eval): none, persona, its soft prompt. */
export const EVAL_CONDITIONS: readonly EvalCondition[] = ['none', 'persona', 'soft'];

/**
 * Adds a condition as data: a name and the parts it asks with (`persona+soft`: the persona sentence on
 * top of the run's soft prompt). `eval --conditions`, eval files and the report then take it; its
 * file is eval-<name>.json.
 */
export function registerCondition(name: string, parts: ConditionParts): void {
  if (!/^[a-z][a-z0-9+-]*$/.test(name)) throw new Error(`a condition's name is lowercase letters, digits, + and -: "${name}"`);
  if (registry.has(name)) throw new Error(`the condition ${name} exists already`);
  registry.set(name, { ...parts });
}

export function recordConditions(): readonly EvalCondition[] {
  return [...registry.keys()];
}

export function isBuiltIn(condition: EvalCondition): condition is BuiltInCondition {
  return Object.hasOwn(BUILT_IN, condition);
}

export function isCondition(name: string): name is EvalCondition {
  return registry.has(name);
}

export function conditionParts(condition: EvalCondition): ConditionParts {
  const parts = registry.get(condition);
  if (!parts) throw new Error(`unknown condition ${condition}`);
  return parts;
}

/** MultiTP steered by a DISCA panel (src/instruments/multitp/disca): alone, or on top of the run's soft prompt. */
export function isDiscaCondition(condition: EvalCondition): boolean {
  return conditionParts(condition).disca === true;
}

/** The conditions that ask under the run's soft prompt. */
export function usesSoftPrompt(condition: EvalCondition): boolean {
  return conditionParts(condition).soft === true;
}

/** The conditions that ask with an instruction searched by `cultune program`. */
export function usesProgram(condition: EvalCondition): boolean {
  return conditionParts(condition).text === 'programmed';
}
