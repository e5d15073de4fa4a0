/** Small hand-written SVG helpers: scales, ticks, axes, escaping. Every function returns markup text. */

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export interface Scale {
  (value: number): number;
  domain: [number, number];
}

/** Maps [d0, d1] linearly onto [r0, r1]; a zero-width domain maps to the middle of the range. */
export function linearScale(domain: [number, number], range: [number, number]): Scale {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const scale = ((v: number) => (d1 === d0 ? (r0 + r1) / 2 : r0 + ((v - d0) / (d1 - d0)) * (r1 - r0))) as Scale;
  scale.domain = domain;
  return scale;
}

/** Round tick values (1, 2 or 5 times a power of ten) covering [min, max], about `count` of them. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const rough = (max - min) / count;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough) as number;
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step - 1e-9) * step; v <= max + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

/** [min, max] of values widened to whole ticks, so points never sit on the frame. */
export function niceDomain(values: readonly number[], include: readonly number[] = []): [number, number] {
  const all = [...values, ...include].filter(Number.isFinite);
  if (all.length === 0) return [0, 1];
  let min = Math.min(...all);
  let max = Math.max(...all);
  if (min === max) [min, max] = [min - 1, max + 1];
  const ticks = niceTicks(min, max);
  const step = ticks.length > 1 ? ticks[1] - ticks[0] : 1;
  return [Math.floor(min / step) * step, Math.ceil(max / step) * step];
}

export function formatTick(value: number): string {
  return String(Number(value.toPrecision(6)));
}

export interface Frame {
  width: number;
  height: number;
  margin: { top: number; right: number; bottom: number; left: number };
}

export function plotArea(frame: Frame): { x: [number, number]; y: [number, number] } {
  const { width, height, margin } = frame;
  return { x: [margin.left, width - margin.right], y: [height - margin.bottom, margin.top] };
}

/** Bottom axis with ticks, grid-free, and a label under it. */
export function bottomAxis(scale: Scale, y: number, label: string, ticks = niceTicks(...scale.domain)): string {
  const [x0, x1] = [scale(scale.domain[0]), scale(scale.domain[1])];
  const marks = ticks
    .map((t) => `<line class="tick" x1="${scale(t)}" x2="${scale(t)}" y1="${y}" y2="${y + 5}"/><text x="${scale(t)}" y="${y + 18}" text-anchor="middle">${formatTick(t)}</text>`)
    .join('');
  return `<g class="axis x-axis"><line x1="${x0}" x2="${x1}" y1="${y}" y2="${y}"/>${marks}<text class="axis-label" x="${(x0 + x1) / 2}" y="${y + 36}" text-anchor="middle">${escapeXml(label)}</text></g>`;
}

/** Distance between the lines of a rotated axis title. */
const TITLE_LINE = 14;

/**
 * Left axis with ticks and a rotated label, set clear of the widest tick label (about 0.6 em per
 * character at 12 px), at most `room` pixels left of the axis. A label of two lines reads its first
 * (the quantity) outermost and its second (how to read it) beside the ticks, in the regular weight.
 */
export function leftAxis(scale: Scale, x: number, label: string | readonly string[], room = 64): string {
  const [y0, y1] = [scale(scale.domain[0]), scale(scale.domain[1])];
  const ticks = niceTicks(...scale.domain);
  const marks = ticks
    .map((t) => `<line class="tick" x1="${x - 5}" x2="${x}" y1="${scale(t)}" y2="${scale(t)}"/><text x="${x - 8}" y="${scale(t) + 4}" text-anchor="end">${formatTick(t)}</text>`)
    .join('');
  const widest = Math.max(...ticks.map((t) => formatTick(t).length));
  const lines = typeof label === 'string' ? [label] : label;
  const extra = (lines.length - 1) * TITLE_LINE;
  const offset = Math.min(room - extra, Math.max(44, 8 + widest * 7.2 + 10)) + extra;
  const middle = (y0 + y1) / 2;
  // rotate(-90) turns the text's downward direction towards the axis: each further line sits nearer it.
  const text =
    lines.length === 1
      ? escapeXml(lines[0])
      : lines.map((line, i) => `<tspan x="0" dy="${i === 0 ? 0 : TITLE_LINE}"${i > 0 ? ' font-weight="normal"' : ''}>${escapeXml(line)}</tspan>`).join('');
  return `<g class="axis y-axis"><line x1="${x}" x2="${x}" y1="${y0}" y2="${y1}"/>${marks}<text class="axis-label" transform="translate(${x - offset} ${middle}) rotate(-90)" text-anchor="middle">${text}</text></g>`;
}

/**
 * A row of swatches with names: a coloured square, or the entry's own marker drawn in a 12 x 12 cell.
 * Entries sit 110 px apart, further where a name is longer (0.6 em per character at 12 px, as leftAxis).
 */
export function legend(entries: readonly { label: string; color: string; marker?: string }[], x: number, y: number): string {
  const widths = entries.map((e) => Math.max(110, 17 + e.label.length * 7.2 + 12));
  const items = entries.map(
    (e, i) =>
      `<g transform="translate(${x + widths.slice(0, i).reduce((sum, w) => sum + w, 0)} ${y})">${e.marker ?? `<rect class="swatch" width="12" height="12" fill="${e.color}"/>`}<text x="17" y="11">${escapeXml(e.label)}</text></g>`,
  );
  return `<g class="legend">${items.join('')}</g>`;
}

export function svgDocument(frame: Frame, title: string, body: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${frame.width} ${frame.height}" width="${frame.width}" height="${frame.height}" role="img" aria-label="${escapeXml(title)}"><title>${escapeXml(title)}</title>${body}</svg>`;
}
