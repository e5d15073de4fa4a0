/**
 * Reads the Python literals the GlobalOpinionQA CSV stores as text: `['Very good', 'Somewhat good']`
 * and `defaultdict(<class 'list'>, {'Belgium': [0.41, 0.37], ...})` (str(defaultdict) as pandas wrote
 * it). Strings in single or double quotes with backslash escapes, numbers (nan included), lists, dicts.
 */
export type PythonValue = string | number | PythonValue[] | { [key: string]: PythonValue };

export function parsePythonLiteral(text: string): PythonValue {
  const source = text.trim().replace(/^defaultdict\(<class '[^']*'>,\s*([\s\S]*)\)$/, '$1');
  let at = 0;
  const fail = (what: string): never => {
    throw new Error(`not a Python literal (${what} at character ${at})`);
  };
  const space = () => {
    while (at < source.length && /\s/.test(source[at])) at++;
  };
  const value = (): PythonValue => {
    space();
    const c = source[at];
    if (c === '[' || c === '(') return sequence(c === '[' ? ']' : ')');
    if (c === '{') return dict();
    if (c === "'" || c === '"') return string();
    const match = /^(-?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+)|nan|inf|-inf)/.exec(source.slice(at));
    if (!match) return fail('unexpected text');
    at += match[0].length;
    return match[0] === 'nan' ? NaN : match[0] === 'inf' ? Infinity : match[0] === '-inf' ? -Infinity : Number(match[0]);
  };
  const sequence = (close: string): PythonValue[] => {
    at++;
    const items: PythonValue[] = [];
    for (space(); source[at] !== close; space()) {
      items.push(value());
      space();
      if (source[at] === ',') at++;
      else if (source[at] !== close) fail(`expected , or ${close}`);
    }
    at++;
    return items;
  };
  const dict = (): { [key: string]: PythonValue } => {
    at++;
    const entries: { [key: string]: PythonValue } = {};
    for (space(); source[at] !== '}'; space()) {
      const key = value();
      space();
      if (source[at++] !== ':') fail('expected :');
      entries[String(key)] = value();
      space();
      if (source[at] === ',') at++;
      else if (source[at] !== '}') fail('expected , or }');
    }
    at++;
    return entries;
  };
  const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"' };
  const string = (): string => {
    const quote = source[at++];
    let out = '';
    while (at < source.length && source[at] !== quote) {
      if (source[at] === '\\') {
        const next = source[at + 1];
        if (next === 'x' || next === 'u') {
          const width = next === 'x' ? 2 : 4;
          out += String.fromCharCode(parseInt(source.slice(at + 2, at + 2 + width), 16));
          at += 2 + width;
        } else {
          out += ESCAPES[next] ?? `\\${next}`;
          at += 2;
        }
      } else out += source[at++];
    }
    if (source[at++] !== quote) fail('unterminated string');
    return out;
  };
  const result = value();
  space();
  if (at !== source.length) fail('text after the value');
  return result;
}
