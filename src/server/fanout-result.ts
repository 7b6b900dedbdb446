import type { ExecutionResult } from 'graphql';

/**
 * What graphql-ws holds, through its `onOperation` hook, for a subscription the fan-out serves: the
 * first `notices` events of graphql-js's own result (an INVALID_SYMBOL notice), then nothing, since
 * the fan-out writes the frames to the socket itself. `subscribe` runs when the notices are out, so
 * no frame overtakes them; graphql-ws `return()`s this on `complete` or close, which unsubscribes.
 * graphql-js's result (never pulled past the notices) is returned as soon as the notices are out,
 * so a subscriber holds none of it.
 */
export function fanoutResult(
  graphqlResult: AsyncGenerator<ExecutionResult>,
  notices: number,
  subscribe: () => () => void,
): AsyncGenerator<ExecutionResult> {
  let result: AsyncGenerator<ExecutionResult> | null = graphqlResult;
  const releaseResult = async () => {
    const done = result;
    result = null;
    await done?.return(undefined);
  };
  let unsubscribe: (() => void) | undefined;
  let finish!: (done: IteratorReturnResult<undefined>) => void;
  const finished = new Promise<IteratorReturnResult<undefined>>((resolve) => {
    finish = resolve;
  });
  const end = async (): Promise<IteratorReturnResult<undefined>> => {
    unsubscribe?.();
    unsubscribe = () => {};
    finish({ done: true, value: undefined });
    await releaseResult();
    return { done: true, value: undefined };
  };
  const generator: AsyncGenerator<ExecutionResult> = {
    next: async () => {
      if (notices > 0 && result) {
        notices--;
        return result.next();
      }
      if (!unsubscribe) {
        unsubscribe = subscribe();
        void releaseResult();
      }
      return finished;
    },
    return: end,
    throw: end,
    [Symbol.asyncIterator]: () => generator,
  };
  return generator;
}
