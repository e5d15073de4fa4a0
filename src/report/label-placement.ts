/**
 * Places text labels beside chart markers so that no label covers another label or any marker.
 * Greedy and deterministic: each label, in the order given, takes the first free spot among eight
 * positions around its marker (right first, then the diagonals, left, above and below), on rings
 * further and further out; a label placed off its marker's first ring gets a leader line. Where no
 * spot is free the least-covered one is taken (a crowded chart then still shows every label). This is
 * the fixed-position model of cartographic label placement (Christensen, Marks & Shieber 1995, "An
 * Empirical Study of Algorithms for Point-Feature Label Placement", ACM TOG 14(3):203–232), solved
 * greedily, which is enough for charts of tens of points.
 */

export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** A marker to label: its centre, the half-size of the square that holds it, and the label's text. */
export interface Anchor {
  x: number;
  y: number;
  radius: number;
  text: string;
}

export interface PlacedLabel {
  text: string;
  /** The label's box; the text is drawn from its left edge, centred vertically (dominant-baseline central). */
  box: Box;
  /** From the marker's edge to the label, where the label sits away from its marker. */
  leader: { x1: number; y1: number; x2: number; y2: number } | null;
}

export interface LabelStyle {
  fontSize: number;
  /**
   * Upper bound of a character's advance as a fraction of the font size: 0.8 covers the capitals and
   * digits of wide sans-serif faces (DejaVu Sans, the usual system-ui on Linux: S 0.64, M 0.86, W 0.99).
   */
  charWidth: number;
  /** Height of a label's box as a fraction of the font size: the font's ascent plus descent, as browsers measure text. */
  lineHeight: number;
  /** Gap between marker and label, and the padding kept around every label. */
  gap: number;
}

export const DEFAULT_LABEL_STYLE: LabelStyle = { fontSize: 12, charWidth: 0.8, lineHeight: 1.25, gap: 3 };

/** Directions tried, as unit offsets of the label's box from the marker: right, upper right, lower right, left, ... */
const DIRECTIONS: readonly [number, number][] = [
  [1, 0], [1, -1], [1, 1], [-1, 0], [-1, -1], [-1, 1], [0, -1], [0, 1],
];
const RINGS = 6;

export function boxesOverlap(a: Box, b: Box): boolean {
  return a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
}

function overlapArea(a: Box, b: Box): number {
  return Math.max(0, Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0)) * Math.max(0, Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0));
}

export function markerBox(anchor: Pick<Anchor, 'x' | 'y' | 'radius'>): Box {
  return { x0: anchor.x - anchor.radius, y0: anchor.y - anchor.radius, x1: anchor.x + anchor.radius, y1: anchor.y + anchor.radius };
}

function grow(box: Box, by: number): Box {
  return { x0: box.x0 - by, y0: box.y0 - by, x1: box.x1 + by, y1: box.y1 + by };
}

/** The label box on ring `ring` in direction (dx, dy): its nearest edge or corner `distance` from the marker's. */
function candidate(anchor: Anchor, [dx, dy]: readonly [number, number], distance: number, width: number, height: number): Box {
  const reach = anchor.radius + distance;
  const left = dx > 0 ? anchor.x + reach : dx < 0 ? anchor.x - reach - width : anchor.x - width / 2;
  const top = dy > 0 ? anchor.y + reach : dy < 0 ? anchor.y - reach - height : anchor.y - height / 2;
  return { x0: left, y0: top, x1: left + width, y1: top + height };
}

/** The point of `box` nearest to (x, y), where a leader line ends. */
function nearestPoint(box: Box, x: number, y: number): [number, number] {
  return [Math.min(Math.max(x, box.x0), box.x1), Math.min(Math.max(y, box.y0), box.y1)];
}

/** `obstacles`: other boxes no label may cover (a line's own label, say). */
export function placeLabels(anchors: readonly Anchor[], bounds: Box, style: LabelStyle = DEFAULT_LABEL_STYLE, obstacles: readonly Box[] = []): PlacedLabel[] {
  const markers = [...anchors.map(markerBox), ...obstacles];
  const placed: Box[] = [];
  return anchors.map((anchor) => {
    const width = anchor.text.length * style.charWidth * style.fontSize;
    const height = style.fontSize * style.lineHeight;
    let best: { box: Box; ring: number; cost: number } | null = null;
    search: for (let ring = 0; ring < RINGS; ring++) {
      for (const direction of DIRECTIONS) {
        const box = candidate(anchor, direction, style.gap + ring * height, width, height);
        const padded = grow(box, style.gap / 2);
        const outside = box.x0 < bounds.x0 || box.y0 < bounds.y0 || box.x1 > bounds.x1 || box.y1 > bounds.y1;
        const cost =
          (outside ? width * height : 0) +
          placed.reduce((sum, other) => sum + overlapArea(padded, other), 0) +
          markers.reduce((sum, other) => sum + overlapArea(padded, other), 0);
        if (best === null || cost < best.cost) best = { box, ring, cost };
        if (cost === 0) break search;
      }
    }
    const { box, ring } = best!;
    placed.push(grow(box, style.gap / 2));
    if (ring === 0) return { text: anchor.text, box, leader: null };
    const [x2, y2] = nearestPoint(box, anchor.x, anchor.y);
    const length = Math.hypot(x2 - anchor.x, y2 - anchor.y);
    const [x1, y1] = [anchor.x + ((x2 - anchor.x) / length) * anchor.radius, anchor.y + ((y2 - anchor.y) / length) * anchor.radius];
    return { text: anchor.text, box, leader: { x1, y1, x2, y2 } };
  });
}

/** Gap kept between markers set side by side. */
const DODGE_GAP = 2;

/**
 * Horizontal offsets that set markers whose boxes overlap side by side (a position dodge): each group
 * of overlapping markers, in order of x, then as given, is laid out in a row centred on the group's
 * mean x. Coincident points (equal accuracies under several conditions) then stay visible and
 * labellable; y is never moved, so every marker keeps its value on the accuracy axis. Groups are
 * joined transitively (a overlaps b, b overlaps c) and formed again after each layout, until none
 * overlap: a row never overlaps itself, so every pass merges groups, and n passes suffice.
 */
export function dodgeOffsets(markers: readonly Pick<Anchor, 'x' | 'y' | 'radius'>[]): number[] {
  const offsets = markers.map(() => 0);
  const at = (i: number) => ({ ...markers[i], x: markers[i].x + offsets[i] });
  for (let pass = 0; pass < markers.length; pass++) {
    const groups = overlappingGroups(markers.map((_, i) => at(i)));
    const crowded = groups.filter((g) => g.length > 1);
    if (crowded.length === 0) break;
    for (const group of crowded) {
      const order = [...group].sort((a, b) => at(a).x - at(b).x || a - b);
      const width = order.reduce((sum, i) => sum + 2 * markers[i].radius, 0) + DODGE_GAP * (order.length - 1);
      let left = order.reduce((sum, i) => sum + at(i).x, 0) / order.length - width / 2;
      for (const i of order) {
        offsets[i] = left + markers[i].radius - markers[i].x;
        left += 2 * markers[i].radius + DODGE_GAP;
      }
    }
  }
  return offsets;
}

/** The markers joined by overlapping boxes, each group as indices in the order given. */
function overlappingGroups(markers: readonly Pick<Anchor, 'x' | 'y' | 'radius'>[]): number[][] {
  const group = markers.map((_, i) => i);
  const root = (i: number): number => (group[i] === i ? i : (group[i] = root(group[i])));
  const boxes = markers.map(markerBox);
  boxes.forEach((a, i) => boxes.slice(i + 1).forEach((b, k) => boxesOverlap(a, b) && (group[root(i + 1 + k)] = root(i))));
  const byRoot = new Map<number, number[]>();
  markers.forEach((_, i) => byRoot.set(root(i), [...(byRoot.get(root(i)) ?? []), i]));
  return [...byRoot.values()];
}
