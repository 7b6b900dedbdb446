/**
 * Async-iterator combinators written as plain iterator objects, not async generators: an async
 * generator waiting inside `await inner.next()` queues a `return()` until the inner iterator yields
 * again, so an unsubscribed client would keep its listeners until the symbol's next frame.
 * These forward `return()` at once.
 */

/** Calls `onValue` for each value as the consumer takes it. */
export function tap<T>(source: AsyncIterable<T>, onValue: (value: T) => void): AsyncIterableIterator<T> {
  const inner = source[Symbol.asyncIterator]();
  return {
    async next() {
      const result = await inner.next();
      if (!result.done) onValue(result.value);
      return result;
    },
    return: async (value?: unknown) => (await inner.return?.(value)) ?? { done: true, value: undefined },
    throw: async (error?: unknown) => (await inner.throw?.(error)) ?? { done: true, value: undefined },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/** `first`, then everything of `rest` (`rest` is not started until it is needed). */
export function startWith<T, F>(first: F, rest: AsyncIterable<T>): AsyncIterableIterator<T | F> {
  let inner: AsyncIterator<T> | undefined;
  let sentFirst = false;
  let finished = false;
  return {
    async next() {
      if (finished) return { done: true, value: undefined };
      if (!sentFirst) {
        sentFirst = true;
        return { done: false, value: first };
      }
      inner ??= rest[Symbol.asyncIterator]();
      return inner.next();
    },
    async return(value?: unknown) {
      finished = true;
      return (await inner?.return?.(value)) ?? { done: true, value: undefined };
    },
    async throw(error?: unknown) {
      finished = true;
      return (await inner?.throw?.(error)) ?? { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
