import { ErrorCode, type SlowConsumerWarning } from '../../../src/protocol.js';

/** The slow-consumer notice carried in a `next` payload's extensions, if any (docs/api.md). */
export function slowConsumerNotice(
  extensions: Record<string, unknown> | undefined,
): { droppedFrames: number } | undefined {
  const warning = extensions?.warning as Partial<SlowConsumerWarning> | undefined;
  return warning?.code === ErrorCode.SlowConsumer ? { droppedFrames: warning.droppedFrames ?? 0 } : undefined;
}
