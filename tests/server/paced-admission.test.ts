import { createSchema, createYoga } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { pacedAdmission } from '../../src/server/paced-admission.js';
import { waitFor } from '../client/wait.js';

/** yoga with the plugin over a schema whose `work` field runs `resolve` (and counts who is inside). */
function server(concurrency: number, resolve: () => unknown) {
  const yoga = createYoga({
    schema: createSchema({ typeDefs: 'type Query { work: Int }', resolvers: { Query: { work: resolve } } }),
    plugins: [pacedAdmission(concurrency)],
    logging: false,
  });
  const query = async () => {
    const res = await yoga.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ work }' }),
    });
    return (await res.json()) as { data: { work: number } };
  };
  return { query };
}

describe('paced admission of HTTP requests', () => {
  it('admits at most `concurrency` at once; the others wait their turn and are all answered', async () => {
    let inside = 0;
    let most = 0;
    const gate: Array<() => void> = [];
    const { query } = server(4, async () => {
      most = Math.max(most, ++inside);
      await new Promise<void>((resolve) => gate.push(resolve));
      inside--;
      return 1;
    });
    const answers = Promise.all(Array.from({ length: 40 }, () => query()));
    for (let released = 0; released < 40;) {
      await waitFor(() => gate.length > 0, 'a request inside');
      // Each one held until all that may enter have entered: a fifth would show in `most`.
      await new Promise((resolve) => setImmediate(resolve));
      released += gate.length;
      gate.splice(0).forEach((release) => release());
    }
    expect((await answers).every((answer) => answer.data.work === 1)).toBe(true);
    expect(most).toBe(4);
  });

  it('lets timers run between requests: a due timer is not held behind a crowd of busy ones', async () => {
    const events: string[] = [];
    const { query } = server(16, () => {
      events.push('request');
      // A request's own synchronous work (a heavy answer), longer than the timer's 1 ms.
      const until = performance.now() + 3;
      while (performance.now() < until);
      return 1;
    });
    let ticking = true;
    const tick = () => {
      events.push('timer');
      if (ticking) setTimeout(tick, 0);
    };
    setTimeout(tick, 0);
    await Promise.all(Array.from({ length: 20 }, () => query()));
    ticking = false;
    const requests = events.map((event, i) => (event === 'request' ? i : -1)).filter((i) => i >= 0);
    expect(requests).toHaveLength(20);
    // Between any two requests the timer, due by then, ran.
    for (let i = 1; i < requests.length; i++) expect(requests[i]! - requests[i - 1]!).toBeGreaterThan(1);
  });
});
