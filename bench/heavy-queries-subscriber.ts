/**
 * The live subscriber of bench/heavy-queries.ts, in its own process so that the query load's
 * responses never delay the arrival times it records. Sends `ready` once frames flow; on `report`
 * answers with the arrival time (performance.timeOrigin-based, ms) of every frame since then, and
 * each frame's delay: arrival minus the time its tick was due (`generatedAt`).
 */
import { HEATMAP_SUBSCRIPTION, wsClient, type Frame } from '../tests/support/graphql-clients.js';

const [url, symbols] = [process.argv[2]!, process.argv[3]!.split(',')];
const client = wsClient(url);
const arrivals: number[] = [];
const delays: number[] = [];
client.subscribe<{ heatmapUpdated: Frame }>(
  { query: HEATMAP_SUBSCRIPTION, variables: { symbols } },
  {
    next: ({ data }) => {
      const at = performance.timeOrigin + performance.now();
      arrivals.push(at);
      delays.push(at - Date.parse(data!.heatmapUpdated.generatedAt));
    },
    error: console.error,
    complete: () => {},
  },
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
  process.send?.({ type: 'arrivals', arrivals, delays });
  // Exits once the client is closed, or failed to close: either way the report is out.
  void Promise.resolve(client.dispose()).finally(() => process.exit(0));
});
