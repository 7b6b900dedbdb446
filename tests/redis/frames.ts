import type { Frame } from '../support/graphql-clients.js';

/**
 * The invariant every scale-out test checks: one content per (symbol, seq), whichever instance a
 * frame came through. Returns the violations (empty when none).
 */
export function conflictingSeqs(frames: Iterable<Frame>): string[] {
  const seen = new Map<string, string>();
  const conflicts: string[] = [];
  for (const frame of frames) {
    const key = `${frame.symbol}#${frame.seq}`;
    const content = JSON.stringify(frame);
    const previous = seen.get(key);
    if (previous === undefined) seen.set(key, content);
    else if (previous !== content) conflicts.push(key);
  }
  return conflicts;
}

/** The seqs one subscriber received for `symbol`, in arrival order. */
export function seqsOf(frames: readonly Frame[], symbol: string): number[] {
  return frames.filter((frame) => frame.symbol === symbol).map((frame) => frame.seq);
}

/** Steps between consecutive seqs that are not +1 (a repeat or a step back is ≤ 0, a gap > 1). */
export function irregularSteps(seqs: readonly number[]): Array<[number, number]> {
  const steps: Array<[number, number]> = [];
  for (let i = 1; i < seqs.length; i++) if (seqs[i]! - seqs[i - 1]! !== 1) steps.push([seqs[i - 1]!, seqs[i]!]);
  return steps;
}

export function strictlyIncreasing(seqs: readonly number[]): boolean {
  return seqs.every((seq, i) => i === 0 || seq > seqs[i - 1]!);
}
