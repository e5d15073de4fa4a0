import type { Interval } from '../eval/eval-record.ts';
import { isBuiltIn, recordConditions, type BuiltInCondition, type EvalCondition } from '../eval/conditions.ts';
import type { ScoreColumn } from '../instruments/index.ts';
import { fixed } from './format.ts';
import { accuracyDomain, chanceLine, EASY_ACCURACY_TITLE } from './accuracy-axis.ts';
import { DEFAULT_LABEL_STYLE, dodgeOffsets, markerBox, placeLabels, type PlacedLabel } from './label-placement.ts';
import type { ReportRow, TrainingCurve } from './report-data.ts';
import type { GenerationRecord } from '../train/run-files.ts';
import { bottomAxis, escapeXml, leftAxis, legend, linearScale, niceDomain, plotArea, svgDocument, type Frame } from './svg.ts';

export const CONDITION_COLORS: Record<BuiltInCondition, string> = { none: '#888888', persona: '#e08a1e', soft: '#2b6cb0', disca: '#2f855a', 'soft+disca': '#6b46c1', programmed: '#0e7c86', 'programmed+soft': '#b83280' };
const TARGET_COLOR = '#222222';
const BEST_COLOR = '#2b6cb0';
const MEDIAN_COLOR = '#c53030';

const FRAME: Frame = { width: 640, height: 380, margin: { top: 36, right: 20, bottom: 56, left: 76 } };

/** A diamond of half-diagonal r: DISCA's markers, apart from the dots, squares and rings of the others. */
const diamond = (x: number, y: number, r: number) => `${x},${y - r} ${x + r},${y} ${x},${y + r} ${x - r},${y}`;
/** A triangle of circumradius r pointing up (dir -1) or down (dir 1): the programmed instruction's markers. */
const triangle = (x: number, y: number, r: number, dir: 1 | -1) => {
  const half = (r * Math.sqrt(3)) / 2;
  return `${x},${y + dir * r} ${x + half},${y - (dir * r) / 2} ${x - half},${y - (dir * r) / 2}`;
};

/**
 * Scatter markers by condition, drawn in this order: filled dots and diamonds, then a hollow diamond, a
 * hollow square, a hollow ring, so points that nearly coincide stay visible (the hollow ones frame the filled). `extent` is the
 * half-size of the square that holds each marker, stroke included; `inner` goes inside the element.
 */
type Marker = { extent: number; draw: (x: number, y: number, attributes: string, inner?: string) => string };
export const MARKERS: Record<BuiltInCondition, Marker> = {
  soft: { extent: 5, draw: (x, y, a, inner = '') => `<circle ${a} cx="${x}" cy="${y}" r="5" fill="${CONDITION_COLORS.soft}">${inner}</circle>` },
  'programmed+soft': { extent: 6, draw: (x, y, a, inner = '') => `<polygon ${a} points="${triangle(x, y, 6, 1)}" fill="${CONDITION_COLORS['programmed+soft']}">${inner}</polygon>` },
  programmed: { extent: 6, draw: (x, y, a, inner = '') => `<polygon ${a} points="${triangle(x, y, 6, -1)}" fill="${CONDITION_COLORS.programmed}">${inner}</polygon>` },
  'soft+disca': { extent: 6, draw: (x, y, a, inner = '') => `<polygon ${a} points="${diamond(x, y, 6)}" fill="${CONDITION_COLORS['soft+disca']}">${inner}</polygon>` },
  disca: {
    extent: 10,
    draw: (x, y, a, inner = '') => `<polygon ${a} points="${diamond(x, y, 8.5)}" fill="none" stroke="${CONDITION_COLORS.disca}" stroke-width="2.5">${inner}</polygon>`,
  },
  persona: {
    extent: 7.5,
    draw: (x, y, a, inner = '') =>
      `<rect ${a} x="${x - 6.25}" y="${y - 6.25}" width="12.5" height="12.5" fill="none" stroke="${CONDITION_COLORS.persona}" stroke-width="2.5">${inner}</rect>`,
  },
  none: {
    extent: 9,
    draw: (x, y, a, inner = '') => `<circle ${a} cx="${x}" cy="${y}" r="7.75" fill="none" stroke="${CONDITION_COLORS.none}" stroke-width="2.5">${inner}</circle>`,
  },
};
const BUILT_IN_DRAW_ORDER: readonly BuiltInCondition[] = ['soft', 'programmed+soft', 'programmed', 'soft+disca', 'disca', 'persona', 'none'];
/** Whiskers of one point's conditions sit side by side (pixels from the marker's centre), so coincident intervals stay apart. */
const WHISKER_DODGE: Record<BuiltInCondition, number> = { none: -4, persona: 0, soft: 4, disca: -8, 'soft+disca': 8, programmed: -12, 'programmed+soft': 12 };


/** Colours of registered conditions (registerCondition), in registration order. */
const REGISTERED_COLORS = ['#d53f8c', '#319795', '#975a16', '#4a5568'];

export function colorOf(condition: EvalCondition): string {
  if (isBuiltIn(condition)) return CONDITION_COLORS[condition];
  const registered = recordConditions().filter((c) => !isBuiltIn(c));
  return REGISTERED_COLORS[registered.indexOf(condition) % REGISTERED_COLORS.length];
}

/** A registered condition's marker: a filled square in its colour. */
export function markerOf(condition: EvalCondition): Marker {
  if (isBuiltIn(condition)) return MARKERS[condition];
  return { extent: 5, draw: (x, y, a, inner = '') => `<rect ${a} x="${x - 4.5}" y="${y - 4.5}" width="9" height="9" fill="${colorOf(condition)}">${inner}</rect>` };
}

/** The built-in conditions in drawing order, then the registered ones (filled, drawn first with the filled built-ins). */
function drawOrder(): readonly EvalCondition[] {
  return [...recordConditions().filter((c) => !isBuiltIn(c)), ...BUILT_IN_DRAW_ORDER];
}
function conditionLegend(conditions: readonly EvalCondition[]): string {
  return legend(
    conditions.map((c) => ({ label: c, color: colorOf(c), marker: markerOf(c).draw(6, 6, 'class="swatch"') })),
    FRAME.margin.left,
    10,
  );
}

/** The rows the scatter can place: those with a CulturalBench Easy accuracy. */
export function scatterRows(rows: readonly ReportRow[]): ReportRow[] {
  return rows.filter((r) => r.record.culturalbench.available && r.record.culturalbench.easy.mean.value !== null);
}

/** CulturalBench Easy (mean over rotations) with its bootstrap 95 % interval; the rows given are scatterRows. */
function easyMean(row: ReportRow): Interval {
  const cb = row.record.culturalbench;
  return cb.available ? cb.easy.mean : { value: Number.NaN, ci95: [null, null] };
}

/**
 * One instrument's loss (lower is better) against CulturalBench Easy accuracy: one marker per country and
 * condition, a whisker for the accuracy's 95 % interval, a dashed line at chance, and the country's code
 * beside each marker, placed where it covers no other label or marker. Markers that would overlap are
 * set side by side (dodgeOffsets; the exact values are in each marker's tooltip). The loss axis spans
 * the data, not zero (the conditions of one country often differ by less than a loss point); the
 * accuracy axis spans the data and chance, inside [0, 1].
 */
export function tradeOffScatter(rows: readonly ReportRow[], title: string): string {
  const placed = drawOrder().flatMap((condition) => scatterRows(rows).filter((r) => r.condition === condition));
  const area = plotArea(FRAME);
  const loss = (r: ReportRow) => r.record.result.loss.value;
  const intervalEnds = placed.flatMap((r) => easyMean(r).ci95.filter((v): v is number => v !== null));
  const x = linearScale(niceDomain(placed.map(loss)), area.x);
  const y = linearScale(accuracyDomain([...placed.map((r) => easyMean(r).value as number), ...intervalEnds]), area.y);
  const centres = placed.map((r) => ({ x: x(loss(r)), y: y(easyMean(r).value as number), radius: markerOf(r.condition).extent }));
  const offsets = dodgeOffsets(centres);
  const at = centres.map((c, n) => ({ ...c, x: c.x + offsets[n] }));
  const whiskers = placed.map((r, n) => {
    const [lo, hi] = easyMean(r).ci95;
    // A zero-width interval draws no whisker: its caps would show as a dash across the marker.
    if (lo === null || hi === null || lo === hi) return '';
    const [cx, top, bottom] = [at[n].x + (isBuiltIn(r.condition) ? WHISKER_DODGE[r.condition] : 0), y(hi), y(lo)];
    const color = colorOf(r.condition);
    return (
      `<g class="whisker" data-country="${escapeXml(r.country)}" data-condition="${r.condition}" stroke="${color}" stroke-width="1.5">` +
      `<line x1="${cx}" x2="${cx}" y1="${top}" y2="${bottom}"/><line x1="${cx - 3}" x2="${cx + 3}" y1="${top}" y2="${top}"/>` +
      `<line x1="${cx - 3}" x2="${cx + 3}" y1="${bottom}" y2="${bottom}"/></g>`
    );
  });
  const markers = placed.map((r, n) => {
    const mean = easyMean(r);
    const interval = mean.ci95[0] === null ? '' : ` [${mean.ci95[0].toFixed(3)}, ${(mean.ci95[1] as number).toFixed(3)}]`;
    const title = `${r.country}, ${r.condition}: loss ${loss(r).toFixed(3)}, Easy ${(mean.value as number).toFixed(3)}${interval}`;
    const attributes = `class="point" data-country="${escapeXml(r.country)}" data-condition="${r.condition}"`;
    return markerOf(r.condition).draw(at[n].x, at[n].y, attributes, `<title>${escapeXml(title)}</title>`);
  });
  const chance = chanceLine(y, area.x, at.map(markerBox));
  const labels = placeLabels(
    placed.map((r, n) => ({ ...at[n], text: r.record.country.code ?? r.country })),
    { x0: area.x[0], y0: area.y[1], x1: area.x[1], y1: area.y[0] },
    DEFAULT_LABEL_STYLE,
    [chance.labelBox],
  ).map((label, n) => labelMarkup(label, placed[n]));
  const conditions = drawOrder().filter((c) => placed.some((r) => r.condition === c)).reverse();
  return svgDocument(
    FRAME,
    `${title} loss vs CulturalBench Easy accuracy`,
    conditionLegend(conditions) +
      bottomAxis(x, area.y[0], `${title} loss (lower is closer to the reference)`) +
      leftAxis(y, area.x[0], EASY_ACCURACY_TITLE) +
      chance.markup +
      `<g class="whiskers">${whiskers.join('')}</g><g class="points">${markers.join('')}</g><g class="point-labels">${labels.join('')}</g>`,
  );
}

function labelMarkup(label: PlacedLabel, row: ReportRow): string {
  const leader = label.leader
    ? `<line class="leader" x1="${label.leader.x1}" y1="${label.leader.y1}" x2="${label.leader.x2}" y2="${label.leader.y2}" stroke="#999"/>`
    : '';
  const { box } = label;
  return (
    `${leader}<text class="point-label" data-country="${escapeXml(row.country)}" data-condition="${row.condition}" ` +
    `x="${box.x0}" y="${(box.y0 + box.y1) / 2}" dominant-baseline="central">${escapeXml(label.text)}</text>`
  );
}

/** The first row per condition: what one country's bar chart shows. */
function rowsPerCondition(rows: readonly ReportRow[]): ReportRow[] {
  const seen = new Set<EvalCondition>();
  return rows.filter((r) => !seen.has(r.condition) && seen.add(r.condition));
}

/** A bar's value as printed on it: whole numbers from 10 up, one decimal below. */
function barValue(value: number): string {
  return fixed(value, Math.abs(value) >= 10 ? 0 : 1);
}

/** Pixels kept beyond the longest bars for their rotated value labels (five characters at 12 px). */
const BAR_LABEL_ROOM = 36;

/**
 * The bar chart's value axis: the data's nice domain (zero included), stretched where the longest bar
 * would leave less than BAR_LABEL_ROOM pixels for its label. With r the room as a fraction of the plot's
 * height, the top b' must satisfy (b' - max) >= r (b' - a), so b' = (max - r a) / (1 - r); the bottom
 * likewise.
 */
function barDomain(values: readonly number[], height: number): [number, number] {
  const [a, b] = niceDomain(values, [0]);
  const r = BAR_LABEL_ROOM / height;
  const [min, max] = [Math.min(0, ...values), Math.max(0, ...values)];
  const top = max > 0 ? Math.max(b, (max - r * a) / (1 - r)) : b;
  const bottom = min < 0 ? Math.min(a, (min - r * top) / (1 - r)) : a;
  return [bottom, top];
}

/** Bars thinner than this are drawn this thick around their end, so a value of zero still shows. */
const MIN_BAR = 2;

/**
 * One country's scores on one instrument: the target next to the model under each condition. Every
 * bar carries its value (rotated to fit), and a bar too short to see keeps a visible stub, so the chart
 * stays readable when the model's scores sit near zero beside targets near 100.
 */
export function scoreBars(country: string, title: string, columns: readonly ScoreColumn[], rows: readonly ReportRow[]): string {
  const shown = rowsPerCondition(rows);
  const target = shown[0].record.result.target;
  const names = columns.map((c) => c.name);
  const series = [
    ...(Object.keys(target).length > 0 ? [{ label: 'target', color: TARGET_COLOR, value: (d: string) => target[d] as number | undefined }] : []),
    ...shown.map((r) => ({ label: r.condition, color: colorOf(r.condition), value: (d: string) => r.record.result.scores[d] as number | undefined })),
  ];
  const area = plotArea(FRAME);
  const values = series.flatMap((s) => names.map(s.value)).filter((v): v is number => v !== undefined);
  const y = linearScale(barDomain(values, area.y[0] - area.y[1]), area.y);
  const groupWidth = (area.x[1] - area.x[0]) / names.length;
  const barWidth = (groupWidth * 0.8) / series.length;
  const bars = names.flatMap((d, g) =>
    series.flatMap((s, i) => {
      const value = s.value(d);
      if (value === undefined) return [];
      const left = area.x[0] + g * groupWidth + groupWidth * 0.1 + i * barWidth;
      const centre = left + barWidth / 2;
      let [top, bottom] = [Math.min(y(value), y(0)), Math.max(y(value), y(0))];
      if (bottom - top < MIN_BAR) [top, bottom] = value >= 0 ? [y(0) - MIN_BAR, y(0)] : [y(0), y(0) + MIN_BAR];
      // The label runs away from the zero line: upwards from a bar's top, downwards below a negative one.
      const labelY = value >= 0 ? top - 3 : bottom + 3;
      return [
        `<rect class="bar" data-series="${s.label}" data-dimension="${d}" x="${left}" y="${top}" width="${barWidth}" height="${bottom - top}" fill="${s.color}"><title>${d} ${s.label}: ${value.toFixed(1)}</title></rect>` +
          `<text class="bar-value" data-series="${s.label}" data-dimension="${d}" transform="translate(${centre} ${labelY}) rotate(-90)" text-anchor="${value >= 0 ? 'start' : 'end'}" dominant-baseline="central">${barValue(value)}</text>`,
      ];
    }),
  );
  const labels = names.map(
    (d, g) => `<text x="${area.x[0] + (g + 0.5) * groupWidth}" y="${area.y[0] + 18}" text-anchor="middle">${d}</text>`,
  );
  return svgDocument(
    FRAME,
    `${country}: ${title}, model vs target`,
    legend(series.map((s) => ({ label: s.label, color: s.color })), FRAME.margin.left, 10) +
      leftAxis(y, area.x[0], 'score') +
      `<line class="zero" x1="${area.x[0]}" x2="${area.x[1]}" y1="${y(0)}" y2="${y(0)}" stroke="#999"/>` +
      `<g class="bars">${bars.join('')}</g><g class="axis">${labels.join('')}</g>`,
  );
}

const CURVE_FRAME: Frame = { width: 440, height: 270, margin: { top: 34, right: 16, bottom: 50, left: 76 } };

/**
 * One training run: the best and the median loss of each generation against evaluations spent. One
 * chart per run, its loss axis spanning that run's data (not zero): a run typically gains a fraction of
 * a loss point, flat on an axis from 0 or on one shared with runs of other countries.
 */
export function lossCurve(curve: TrainingCurve): string {
  const area = plotArea(CURVE_FRAME);
  const x = linearScale(niceDomain(curve.history.map((p) => p.evaluations), [0]), area.x);
  const y = linearScale(niceDomain(curve.history.flatMap((p) => [p.bestLoss, p.medianLoss])), area.y);
  const line = (value: (p: GenerationRecord) => number) =>
    curve.history.map((p, j) => `${j === 0 ? 'M' : 'L'}${x(p.evaluations).toFixed(2)} ${y(value(p)).toFixed(2)}`).join(' ');
  const dots = curve.history.map((p) => `<circle cx="${x(p.evaluations).toFixed(2)}" cy="${y(p.bestLoss).toFixed(2)}" r="2.5" fill="${BEST_COLOR}"/>`);
  const title = `${curve.folder} (${curve.country}, ${curve.instrument})${curve.finished ? '' : ', still running'}`;
  return svgDocument(
    CURVE_FRAME,
    `Training: ${curve.instrument} loss by evaluations, ${title}`,
    legend([{ label: 'best', color: BEST_COLOR }, { label: 'median', color: MEDIAN_COLOR }], CURVE_FRAME.margin.left, 8) +
      bottomAxis(x, area.y[0], 'evaluations') +
      leftAxis(y, area.x[0], `${curve.instrument} loss`) +
      `<path class="median-curve" d="${line((p) => p.medianLoss)}" fill="none" stroke="${MEDIAN_COLOR}" stroke-width="1.5" stroke-dasharray="5 3"/>` +
      `<path class="curve" data-folder="${escapeXml(curve.folder)}" d="${line((p) => p.bestLoss)}" fill="none" stroke="${BEST_COLOR}" stroke-width="2"><title>${escapeXml(title)}</title></path>` +
      `<g class="curve-points">${dots.join('')}</g>`,
  );
}
