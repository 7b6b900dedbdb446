import type { SnapshotFieldsFragment as Snapshot } from '../gql/graphql.js';

export type SeqVerdict =
  /** The first frame seen, or exactly the one after the last applied. */
  | 'next'
  /** Frames were missed in between: apply it and refetch the grid. */
  | 'gap'
  /** Already applied (or older): ignore. */
  | 'duplicate'
  /** A lower seq that is newer: the publisher started over (e.g. server restart); refetch the grid. */
  | 'restart';

/**
 * Where a frame stands relative to the last one applied for its symbol. Seq only grows within one
 * publisher's life, so a lower seq generated later means a new publisher, not an old frame.
 */
export function acceptSeq(
  last: Pick<Snapshot, 'seq' | 'generatedAt'> | null,
  frame: Pick<Snapshot, 'seq' | 'generatedAt'>,
): SeqVerdict {
  if (!last || frame.seq === last.seq + 1) return 'next';
  if (frame.seq > last.seq) return 'gap';
  return Date.parse(frame.generatedAt) > Date.parse(last.generatedAt) ? 'restart' : 'duplicate';
}
