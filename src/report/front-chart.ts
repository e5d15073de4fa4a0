import { CONDITION_COLORS, MARKERS } from './charts.ts';
import type { Interval } from '../eval/eval-record.ts';
import { accuracyDomain, chanceLine, EASY_ACCURACY_TITLE } from './accuracy-axis.ts';
import { DEFAULT_LABEL_STYLE, dodgeOffsets, markerBox, placeLabels } from './label-placement.ts';
import { bottomAxis, escapeXml, leftAxis, legend, linearScale, niceDomain, plotArea, svgDocument, type Frame } from './svg.ts';

/** One point of the front chart: a member of the front, or a prompt it is compared with. */
export interface FrontChartPoint {
  /** `front`: a member of the multi-objective front; the others are the comparison conditions. */
  kind: 'front' | 'none' | 'persona' | 'single';
  /** What the label says: the member's index on the front ("#2"), or the condition. */
  label: string;
  /** The instrument loss (x). */
  loss: number;
  /** Held-out CulturalBench Easy accuracy with its 95 % interval (y). */
  heldOut: Interval;
  /** The member the choice rule picks (export's default). */
  chosen?: boolean;
}

const FRAME: Frame = { width: 640, height: 400, margin: { top: 40, right: 20, bottom: 56, left: 76 } };
const FRONT_COLOR = '#2b6cb0';
const SINGLE_COLOR = '#2f855a';
const CHOSEN_COLOR = '#c53030';
const KIND_COLORS: Record<FrontChartPoint['kind'], string> = { front: FRONT_COLOR, none: CONDITION_COLORS.none, persona: CONDITION_COLORS.persona, single: SINGLE_COLOR };

/** The comparison points reuse the trade-off chart's markers (ring, square); single-objective is a diamond. */
function marker(kind: FrontChartPoint['kind'], x: number, y: number, attributes: string, inner: string): string {
  if (kind === 'none' || kind === 'persona') return MARKERS[kind].draw(x, y, attributes, inner);
  if (kind === 'single') {
    const d = 7;
    return `<path ${attributes} d="M${x} ${y - d}L${x + d} ${y}L${x} ${y + d}L${x - d} ${y}Z" fill="none" stroke="${SINGLE_COLOR}" stroke-width="2.5">${inner}</path>`;
  }
  return MARKERS.soft.draw(x, y, attributes, inner);
}
/** The ring around the chosen member (its stroke adds 1 px each side). */
const CHOSEN_RADIUS = 10;
const MARKER_EXTENT: Record<FrontChartPoint['kind'], number> = { front: MARKERS.soft.extent, none: MARKERS.none.extent, persona: MARKERS.persona.extent, single: 8.5 };
const KIND_NAMES: Record<FrontChartPoint['kind'], string> = { front: 'front', none: 'none', persona: 'persona', single: 'single-objective' };
/** Whiskers of points at the same loss sit side by side. */
const DODGE: Record<FrontChartPoint['kind'], number> = { front: 0, none: -4, persona: 4, single: 8 };

function heldOutValue(p: FrontChartPoint): number {
  return p.heldOut.value ?? Number.NaN;
}

/**
 * The survey–knowledge trade-off of one multi-objective run: each member of the front at its
 * instrument loss (x) and its accuracy on the held-out CulturalBench questions (y), with a whisker for
 * the accuracy's 95 % interval; the members joined in order of loss; the chosen member ringed; the
 * none, persona and single-objective prompts as markers of their own for comparison, and a dashed line
 * at chance. Markers that would overlap are set side by side (dodgeOffsets; the front's line joins the
 * members where they are drawn). The loss axis spans the data, not zero; the accuracy axis spans the
 * data and chance, inside [0, 1].
 */
export function frontScatter(title: string, lossLabel: string, points: readonly FrontChartPoint[]): string {
  const shown = points.filter((p) => Number.isFinite(p.loss) && Number.isFinite(heldOutValue(p)));
  const area = plotArea(FRAME);
  const intervalEnds = shown.flatMap((p) => p.heldOut.ci95.filter((v): v is number => v !== null));
  const x = linearScale(niceDomain(shown.map((p) => p.loss)), area.x);
  const y = linearScale(accuracyDomain([...shown.map(heldOutValue), ...intervalEnds]), area.y);
  const extent = (p: FrontChartPoint) => (p.chosen ? CHOSEN_RADIUS + 2 : MARKER_EXTENT[p.kind]);
  const centres = shown.map((p) => ({ x: x(p.loss), y: y(heldOutValue(p)), radius: extent(p) }));
  const offsets = dodgeOffsets(centres);
  const at = centres.map((c, n) => ({ ...c, x: c.x + offsets[n] }));
  const front = shown.map((p, n) => ({ p, n })).filter(({ p }) => p.kind === 'front').sort((a, b) => a.p.loss - b.p.loss);
  const path = front.map(({ n }, i) => `${i === 0 ? 'M' : 'L'}${at[n].x.toFixed(2)} ${at[n].y.toFixed(2)}`).join(' ');
  const whiskers = shown.map((p, n) => {
    const [lo, hi] = p.heldOut.ci95;
    // A zero-width interval draws no whisker: its caps would show as a dash across the marker.
    if (lo === null || hi === null || lo === hi) return '';
    const [cx, top, bottom] = [at[n].x + DODGE[p.kind], y(hi), y(lo)];
    return (
      `<g class="whisker" data-kind="${p.kind}" data-label="${escapeXml(p.label)}" stroke="${KIND_COLORS[p.kind]}" stroke-width="1.5" opacity="0.7">` +
      `<line x1="${cx}" x2="${cx}" y1="${top}" y2="${bottom}"/><line x1="${cx - 3}" x2="${cx + 3}" y1="${top}" y2="${top}"/>` +
      `<line x1="${cx - 3}" x2="${cx + 3}" y1="${bottom}" y2="${bottom}"/></g>`
    );
  });
  const markers = shown.map((p, n) => {
    const [lo, hi] = p.heldOut.ci95;
    const interval = lo === null || hi === null ? '' : ` [${lo.toFixed(3)}, ${hi.toFixed(3)}]`;
    const text = `${KIND_NAMES[p.kind]} ${p.label}: loss ${p.loss.toFixed(3)}, held-out Easy ${heldOutValue(p).toFixed(3)}${interval}${p.chosen ? ' (chosen)' : ''}`;
    const attributes = `class="point" data-kind="${p.kind}" data-label="${escapeXml(p.label)}"${p.chosen ? ' data-chosen="true"' : ''}`;
    const { x: cx, y: cy } = at[n];
    const ring = p.chosen ? `<circle class="chosen" cx="${cx}" cy="${cy}" r="${CHOSEN_RADIUS}" fill="none" stroke="${CHOSEN_COLOR}" stroke-width="2"/>` : '';
    return marker(p.kind, cx, cy, attributes, `<title>${escapeXml(text)}</title>`) + ring;
  });
  const chance = chanceLine(y, area.x, at.map(markerBox));
  const labels = placeLabels(
    shown.map((p, n) => ({ ...at[n], text: p.label })),
    { x0: area.x[0], y0: area.y[1], x1: area.x[1], y1: area.y[0] },
    DEFAULT_LABEL_STYLE,
    [chance.labelBox],
  ).map((label, n) => {
    const leader = label.leader
      ? `<line class="leader" x1="${label.leader.x1}" y1="${label.leader.y1}" x2="${label.leader.x2}" y2="${label.leader.y2}" stroke="#999"/>`
      : '';
    const { box } = label;
    return `${leader}<text class="point-label" data-kind="${shown[n].kind}" x="${box.x0}" y="${(box.y0 + box.y1) / 2}" dominant-baseline="central">${escapeXml(label.text)}</text>`;
  });
  const kinds = (['front', 'single', 'persona', 'none'] as const).filter((k) => shown.some((p) => p.kind === k));
  const entries = kinds.map((k) => ({ label: KIND_NAMES[k], color: KIND_COLORS[k], marker: marker(k, 6, 6, 'class="swatch"', '') }));
  if (shown.some((p) => p.chosen)) entries.push({ label: 'chosen', color: CHOSEN_COLOR, marker: `<circle class="swatch" cx="6" cy="6" r="6" fill="none" stroke="${CHOSEN_COLOR}" stroke-width="2"/>` });
  return svgDocument(
    FRAME,
    title,
    legend(entries, FRAME.margin.left, 10) +
      bottomAxis(x, area.y[0], lossLabel) +
      leftAxis(y, area.x[0], [`held-out ${EASY_ACCURACY_TITLE[0]}`, EASY_ACCURACY_TITLE[1]]) +
      chance.markup +
      `<path class="front-line" d="${path}" fill="none" stroke="${FRONT_COLOR}" stroke-width="1.5" stroke-dasharray="4 3"/>` +
      `<g class="whiskers">${whiskers.join('')}</g><g class="points">${markers.join('')}</g><g class="point-labels">${labels.join('')}</g>`,
  );
}
