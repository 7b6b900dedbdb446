import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../client/src/lib/backoff.js';
import { acceptSeq } from '../../client/src/lib/seq.js';
import { slowConsumerNotice } from '../../client/src/lib/slow-consumer.js';

describe('backoffDelay', () => {
  const options = { baseMs: 100, maxMs: 1_000 };

  it('doubles per attempt up to the maximum, with jitter in the upper half', () => {
    expect([0, 1, 2, 3, 4, 10].map((attempt) => backoffDelay(attempt, options, () => 1))).toEqual([
      100, 200, 400, 800, 1_000, 1_000,
    ]);
    expect([0, 1, 2, 3, 4, 10].map((attempt) => backoffDelay(attempt, options, () => 0))).toEqual([
      50, 100, 200, 400, 500, 500,
    ]);
    expect(backoffDelay(2, options, () => 0.5)).toBe(300);
  });
});

describe('acceptSeq', () => {
  const at = (seq: number, second: number) => ({
    seq,
    generatedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString(),
  });

  it('accepts the first frame and the next one', () => {
    expect(acceptSeq(null, at(7, 0))).toBe('next');
    expect(acceptSeq(at(7, 0), at(8, 1))).toBe('next');
  });

  it('flags a gap when frames were skipped', () => {
    expect(acceptSeq(at(7, 0), at(10, 3))).toBe('gap');
  });

  it('drops frames already applied or older', () => {
    expect(acceptSeq(at(7, 1), at(7, 1))).toBe('duplicate');
    expect(acceptSeq(at(7, 1), at(6, 0))).toBe('duplicate');
  });

  it('recognizes a restarted publisher by a lower seq generated later', () => {
    expect(acceptSeq(at(500, 10), at(1, 20))).toBe('restart');
  });
});

describe('slowConsumerNotice', () => {
  it('reads the warning from a next payload’s extensions', () => {
    const warning = { code: 'SLOW_CONSUMER', message: 'Connection slow - may miss updates', droppedFrames: 4 };
    expect(slowConsumerNotice({ warning })).toEqual({ droppedFrames: 4 });
    expect(slowConsumerNotice({ warning: { code: 'SOMETHING_ELSE' } })).toBeUndefined();
    expect(slowConsumerNotice(undefined)).toBeUndefined();
  });
});
