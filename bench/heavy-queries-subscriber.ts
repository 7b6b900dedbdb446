/**
 * The live subscriber of bench/heavy-queries.ts, in its own process so that the query load's
 * responses never delay the arrival times it records. Sends `ready` once frames flow; on `report`
 * answers with the arrival time (performance.timeOrigin-based, ms) of every frame since then.
 */
import { HEATMAP_SUBSCRIPTION, wsClient } from '../tests/support/graphql-clients.js';

const [url, symbols] = [process.argv[2]!, process.argv[3]!.split(',')];
const client = wsClient(url);
const arrivals: number[] = [];
client.subscribe(
  { query: HEATMAP_SUBSCRIPTION, variables: { symbols } },
  { next: () => arrivals.push(performance.timeOrigin + performance.now()), error: console.error, complete: () => {} },
);
await new Promise<void>((resolve) => {
  const check = setInterval(() => {
    if (arrivals.length >= symbols.length) {
      clearInterval(check);
      resolve();
    }
  }, 50);
});
process.send?.({ type: 'ready' });
process.on('message', (message: string) => {
  if (message !== 'report') return;
  process.send?.({ type: 'arrivals', arrivals });
  // Exits once the client is closed, or failed to close: either way the report is out.
  void Promise.resolve(client.dispose()).finally(() => process.exit(0));
});
