/**
 * The accuracy axis shared by the trade-off and front charts: it never leaves [0, 1], always shows
 * chance, and draws chance as a dashed line with its name.
 */
import { niceDomain, type Scale } from './svg.ts';
import { boxesOverlap, type Box } from './label-placement.ts';

/**
 * Chance on CulturalBench Easy: four options, one right (Chiu et al. 2024, "CulturalBench", arXiv:2410.02677);
 * the accuracy averaged over the four rotations of the options is 0.25 for any guess.
 */
export const CHANCE_ACCURACY = 0.25;

/** The axis title: what the y value is, and what its bars are, so it cannot be read as an interval. */
export const EASY_ACCURACY_TITLE = ['CulturalBench Easy accuracy', 'mean over rotations; bars: 95 % interval'] as const;

/** Padding kept above and below the data: a tenth of its span, and at least 0.05 (a zero span shows 0.1 around its value). */
const PAD = { fraction: 0.1, least: 0.05 };

/**
 * The data's span with chance included, padded (PAD) inside [0, 1] and widened to whole ticks, then cut to [0, 1]:
 * accuracies that coincide with zero-width intervals would otherwise widen to [-1, 1.5] (niceDomain's
 * padding of a zero span), and an axis beyond [0, 1] shows values no accuracy can take.
 */
export function accuracyDomain(values: readonly number[]): [number, number] {
  const all = [...values, CHANCE_ACCURACY].filter(Number.isFinite);
  const [min, max] = [Math.min(...all), Math.max(...all)];
  const pad = Math.max((max - min) * PAD.fraction, PAD.least);
  const [low, high] = niceDomain([Math.max(0, min - pad), Math.min(1, max + pad)]);
  return [Math.max(0, low), Math.min(1, high)];
}

/** Text width of "chance" at 12 px: the label style's bound of 0.8 em per character, and its line height. */
const LABEL = { width: 'chance'.length * 0.8 * 12, height: 15, gap: 4 };

/**
 * A dashed line at chance across the plot and its label "chance": above the line at its right end where
 * the markers leave room, else below it, else further left, step by step; where no spot is free, at the
 * right end. The label's box is returned so the point labels keep clear of it.
 */
export function chanceLine(y: Scale, xRange: readonly [number, number], markers: readonly Box[]): { markup: string; labelBox: Box } {
  const at = y(CHANCE_ACCURACY);
  const { width, height, gap } = LABEL;
  const steps = Math.max(0, Math.floor((xRange[1] - xRange[0] - 2 * gap - width) / (width / 2)));
  const candidates = Array.from({ length: steps + 1 }, (_, i) => xRange[1] - gap - width - (i * width) / 2).flatMap((x0): Box[] => [
    { x0, x1: x0 + width, y0: at - gap - height, y1: at - gap },
    { x0, x1: x0 + width, y0: at + gap, y1: at + gap + height },
  ]);
  const labelBox = candidates.find((box) => !markers.some((m) => boxesOverlap(box, m))) ?? candidates[0];
  return {
    markup:
      `<g class="chance"><line x1="${xRange[0]}" x2="${xRange[1]}" y1="${at}" y2="${at}" stroke="#999" stroke-dasharray="2 3"/>` +
      `<text class="chance-label" x="${labelBox.x0}" y="${(labelBox.y0 + labelBox.y1) / 2}" dominant-baseline="central">chance</text></g>`,
    labelBox,
  };
}
