import type { ExecutionResult } from 'graphql';

/**
 * What graphql-ws holds, through its `onOperation` hook, for a subscription the fan-out serves: the
 * first `notices` events of graphql-js's own result (an INVALID_SYMBOL notice), then nothing, since
 * the fan-out writes the frames to the socket itself. `subscribe` runs when the notices are out, so
 * no frame overtakes them; graphql-ws `return()`s this on `complete` or close, which unsubscribes.
 */
export function fanoutResult(
  result: AsyncGenerator<ExecutionResult>,
  notices: number,
  subscribe: () => () => void,
): AsyncGenerator<ExecutionResult> {
  let unsubscribe: (() => void) | undefined;
  let finish!: (done: IteratorReturnResult<undefined>) => void;
  const finished = new Promise<IteratorReturnResult<undefined>>((resolve) => {
    finish = resolve;
  });
  const end = async (): Promise<IteratorReturnResult<undefined>> => {
    unsubscribe?.();
    unsubscribe = () => {};
    finish({ done: true, value: undefined });
    await result.return(undefined);
    return { done: true, value: undefined };
  };
  const generator: AsyncGenerator<ExecutionResult> = {
    next: async () => {
      if (notices > 0) {
        notices--;
        return result.next();
      }
      unsubscribe ??= subscribe();
      return finished;
    },
    return: end,
    throw: end,
    [Symbol.asyncIterator]: () => generator,
  };
  return generator;
}
