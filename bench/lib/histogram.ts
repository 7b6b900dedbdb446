import * as hdr from 'hdr-histogram-js';

/** Latency histograms in microseconds, mergeable across processes as compressed base64. */
export const newHistogram = () =>
  hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3 });
export type Histogram = ReturnType<typeof newHistogram>;
export const encodeHistogram = (h: Histogram) => hdr.encodeIntoCompressedBase64(h);
export function mergeHistograms(encoded: readonly string[]): Histogram {
  const total = newHistogram();
  for (const e of encoded) total.add(hdr.decodeFromCompressedBase64(e));
  return total;
}
