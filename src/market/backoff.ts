/**
 * Exponential backoff with full jitter (a uniformly random delay up to the exponential cap): spreads
 * reconnecting clients out instead of having them retry in lockstep.
 */
export function backoffDelay(
  attempt: number,
  baseMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  return random() * Math.min(maxMs, baseMs * 2 ** attempt);
}
