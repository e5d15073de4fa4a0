import { DIMENSIONS } from '../vsm13/dimensions.ts';
import type { EvalCondition } from './eval-record.ts';
import type { ReportRow, TrainingCurve } from './report-data.ts';
import { bottomAxis, escapeXml, leftAxis, legend, linearScale, niceDomain, plotArea, svgDocument, type Frame } from './svg.ts';

export const CONDITION_COLORS: Record<EvalCondition, string> = { none: '#888888', persona: '#e08a1e', soft: '#2b6cb0' };
const TARGET_COLOR = '#222222';
const CURVE_COLORS = ['#2b6cb0', '#c53030', '#2f855a', '#6b46c1', '#b7791f', '#00838f', '#d53f8c', '#4a5568'];

const FRAME: Frame = { width: 640, height: 380, margin: { top: 36, right: 20, bottom: 56, left: 64 } };

function conditionLegend(conditions: readonly EvalCondition[]): string {
  return legend(conditions.map((c) => ({ label: c, color: CONDITION_COLORS[c] })), FRAME.margin.left, 10);
}

/** The rows the scatter can place: those with a CulturalBench Easy accuracy. */
export function scatterRows(rows: readonly ReportRow[]): ReportRow[] {
  return rows.filter((r) => r.record.culturalbench.available && r.record.culturalbench.easy.mean.value !== null);
}

function easyMean(row: ReportRow): number {
  const cb = row.record.culturalbench;
  return cb.available ? (cb.easy.mean.value as number) : Number.NaN;
}

/** VSM13 loss (lower is better) against CulturalBench Easy accuracy: one circle per country and condition. */
export function tradeOffScatter(rows: readonly ReportRow[]): string {
  const placed = scatterRows(rows);
  const area = plotArea(FRAME);
  const x = linearScale(niceDomain(placed.map((r) => r.record.vsm13.loss.loss), [0]), area.x);
  const y = linearScale([0, 1], area.y);
  const points = placed.map((r) => {
    const [cx, cy] = [x(r.record.vsm13.loss.loss), y(easyMean(r))];
    const label = `${r.country}, ${r.condition}: loss ${r.record.vsm13.loss.loss.toFixed(2)}, Easy ${easyMean(r).toFixed(3)}`;
    return (
      `<circle class="point" data-country="${escapeXml(r.country)}" data-condition="${r.condition}" cx="${cx}" cy="${cy}" r="6" fill="${CONDITION_COLORS[r.condition]}"><title>${escapeXml(label)}</title></circle>` +
      `<text class="point-label" x="${cx + 8}" y="${cy - 8}">${escapeXml(r.record.country.code ?? r.country)}</text>`
    );
  });
  const conditions = [...new Set(placed.map((r) => r.condition))];
  return svgDocument(
    FRAME,
    'VSM13 loss vs CulturalBench Easy accuracy',
    conditionLegend(conditions) +
      bottomAxis(x, area.y[0], 'VSM13 loss (lower is closer to the published scores)') +
      leftAxis(y, area.x[0], 'CulturalBench Easy, mean over rotations') +
      `<g class="points">${points.join('')}</g>`,
  );
}

/** The first row per condition: what one country's bar chart shows. */
function rowsPerCondition(rows: readonly ReportRow[]): ReportRow[] {
  const seen = new Set<EvalCondition>();
  return rows.filter((r) => !seen.has(r.condition) && seen.add(r.condition));
}

/** One country's six dimensions: the published target next to the model under each condition. */
export function dimensionBars(country: string, rows: readonly ReportRow[]): string {
  const shown = rowsPerCondition(rows);
  const target = shown[0].record.vsm13.target;
  const series = [
    { label: 'target', color: TARGET_COLOR, value: (d: (typeof DIMENSIONS)[number]) => target[d] },
    ...shown.map((r) => ({ label: r.condition, color: CONDITION_COLORS[r.condition], value: (d: (typeof DIMENSIONS)[number]) => r.record.vsm13.scores[d] as number | undefined })),
  ];
  const area = plotArea(FRAME);
  const values = series.flatMap((s) => DIMENSIONS.map(s.value)).filter((v): v is number => v !== undefined);
  const y = linearScale(niceDomain(values, [0]), area.y);
  const groupWidth = (area.x[1] - area.x[0]) / DIMENSIONS.length;
  const barWidth = (groupWidth * 0.8) / series.length;
  const bars = DIMENSIONS.flatMap((d, g) =>
    series.flatMap((s, i) => {
      const value = s.value(d);
      if (value === undefined) return [];
      const left = area.x[0] + g * groupWidth + groupWidth * 0.1 + i * barWidth;
      const [top, bottom] = [Math.min(y(value), y(0)), Math.max(y(value), y(0))];
      return [
        `<rect class="bar" data-series="${s.label}" data-dimension="${d}" x="${left}" y="${top}" width="${barWidth}" height="${bottom - top}" fill="${s.color}"><title>${d} ${s.label}: ${value.toFixed(1)}</title></rect>`,
      ];
    }),
  );
  const labels = DIMENSIONS.map(
    (d, g) => `<text x="${area.x[0] + (g + 0.5) * groupWidth}" y="${area.y[0] + 18}" text-anchor="middle">${d}</text>`,
  );
  return svgDocument(
    FRAME,
    `${country}: six dimensions, model vs target`,
    legend(series.map((s) => ({ label: s.label, color: s.color })), FRAME.margin.left, 10) +
      leftAxis(y, area.x[0], 'score') +
      `<line class="zero" x1="${area.x[0]}" x2="${area.x[1]}" y1="${y(0)}" y2="${y(0)}" stroke="#999"/>` +
      `<g class="bars">${bars.join('')}</g><g class="axis">${labels.join('')}</g>`,
  );
}

/** Best loss against evaluations spent, one line per training run. */
export function lossCurves(curves: readonly TrainingCurve[]): string {
  const area = plotArea(FRAME);
  const points = curves.flatMap((c) => c.history);
  const x = linearScale(niceDomain(points.map((p) => p.evaluations), [0]), area.x);
  const y = linearScale(niceDomain(points.map((p) => p.bestLoss), [0]), area.y);
  const lines = curves.map((c, i) => {
    const color = CURVE_COLORS[i % CURVE_COLORS.length];
    const d = c.history.map((p, j) => `${j === 0 ? 'M' : 'L'}${x(p.evaluations).toFixed(2)} ${y(p.bestLoss).toFixed(2)}`).join(' ');
    return `<path class="curve" data-folder="${escapeXml(c.folder)}" d="${d}" fill="none" stroke="${color}" stroke-width="2"><title>${escapeXml(`${c.folder} (${c.country})${c.finished ? '' : ', still running'}`)}</title></path>`;
  });
  return svgDocument(
    FRAME,
    'Training: best VSM13 loss by evaluations',
    legend(curves.map((c, i) => ({ label: c.folder, color: CURVE_COLORS[i % CURVE_COLORS.length] })), FRAME.margin.left, 10) +
      bottomAxis(x, area.y[0], 'evaluations') +
      leftAxis(y, area.x[0], 'best VSM13 loss') +
      `<g class="curves">${lines.join('')}</g>`,
  );
}
