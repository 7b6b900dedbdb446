/** The server's notice on the next frame after it dropped frames for this subscriber (DESIGN §3). */
interface SlowConsumerWarning {
  code: 'SLOW_CONSUMER';
  message?: string;
  droppedFrames?: number;
}

/** The slow-consumer notice carried in a `next` payload's extensions, if any. */
export function slowConsumerNotice(
  extensions: Record<string, unknown> | undefined,
): { droppedFrames: number } | undefined {
  const warning = extensions?.warning as SlowConsumerWarning | undefined;
  return warning?.code === 'SLOW_CONSUMER' ? { droppedFrames: warning.droppedFrames ?? 0 } : undefined;
}
