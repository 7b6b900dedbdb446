import type { FrameContent, Frame } from '../heatmap/types.js';

/** Called once for each frame that reaches this process: the hub is the one handler. */
export type FrameHandler = (frame: Frame) => void;

/**
 * Carries the publisher's changed frames to the handler of every process, numbering them on the way:
 * `memoryBroker` for one process, `RedisBroker` for several instances (docs/architecture.md). Every
 * frame reaches each handler once, the publishing process's included. Implementations never reject.
 */
export interface FrameBroker {
  /** Whether this process is `symbol`'s publisher now (false: another instance is, this one relays its frames). */
  isPublisher(symbol: string): boolean;
  /** Numbers a changed frame with the symbol's next seq and delivers it; the frame, or null when not published. */
  publish(content: FrameContent, generatedAt: number): Frame | null | Promise<Frame | null>;
}

/** The one-process broker: it delivers inside the publish call, so `publish` returns the frame itself. */
export interface MemoryBroker extends FrameBroker {
  publish(content: FrameContent, generatedAt: number): Frame;
}

/**
 * One process: seq +1 per frame per symbol, never at or below `floor(symbol)` (the latest seq this
 * process has already shown its clients), and the handler called directly, in the publish call.
 */
export function memoryBroker(handler: FrameHandler, floor: (symbol: string) => number = () => 0): MemoryBroker {
  const seqs = new Map<string, number>();
  return {
    isPublisher: () => true,
    publish(content, generatedAt) {
      const seq = Math.max(seqs.get(content.stream) ?? 0, floor(content.stream)) + 1;
      seqs.set(content.stream, seq);
      const frame: Frame = { ...content, seq, generatedAt };
      handler(frame);
      return frame;
    },
  };
}
