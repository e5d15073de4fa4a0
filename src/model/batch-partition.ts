/**
 * Cuts `count` items, sorted by width ascending, into consecutive batches of least total cost: an
 * exact dynamic programme over the cut points, so a batch closes early where the next items would pad
 * it a lot and late where another run would cost more than the padding. `cost(first, end)` prices the
 * batch of items [first, end) (item end - 1 is its widest) and is Infinity where the batch does not
 * fit; a batch that does not fit must stay unfit as it grows towards narrower items, and a single
 * item must always fit. Returns the batches as [first, end) ranges, in order.
 */
export function cheapestPartition(count: number, cost: (first: number, end: number) => number): [first: number, end: number][] {
  const best = new Float64Array(count + 1).fill(Infinity);
  const cut = new Int32Array(count + 1);
  best[0] = 0;
  for (let end = 1; end <= count; end++) {
    for (let first = end - 1; first >= 0; first--) {
      const price = cost(first, end);
      if (price === Infinity) break;
      if (best[first] + price < best[end]) [best[end], cut[end]] = [best[first] + price, first];
    }
  }
  const ranges: [number, number][] = [];
  for (let end = count; end > 0; end = cut[end]) ranges.unshift([cut[end], end]);
  return ranges;
}
