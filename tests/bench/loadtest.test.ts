import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatReport, runLoad } from '../../bench/loadtest.js';
import { metricsProbe } from '../../bench/lib/server-metrics.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.stop());

describe('load generator (npm run loadtest)', () => {
  it('drives real subscribers in worker processes and reports first frames, gaps, latency and server figures', async () => {
    const report = await runLoad({
      url: server.wsUrl,
      connections: 40,
      symbols: ['BTCUSDT', 'ETHUSDT'],
      durationSeconds: 2,
      workers: 2,
      rampConcurrency: 8,
      server: metricsProbe(`${server.url}/metrics`),
    });
    expect(report.sessions).toBe(40);
    expect(report.failedConnections).toBe(0);
    expect(report.closedEarly).toBe(0);
    // Every subscriber got its first frame, however long this machine took to deliver it.
    expect(report.checks.firstFrame).toBe(40);
    // Frames flowed during the measured window, and no subscriber missed one between its first and last.
    expect(report.framesReceived).toBeGreaterThan(0);
    expect(report.seqGaps).toBe(0);
    // A latency for every frame measured (on a quiet machine most are under 1 ms: p50 may be 0).
    expect(report.latencyMs.samples).toBe(report.framesReceived);
    expect(report.server?.cpuSeconds).toBeGreaterThan(0);
    expect(report.server?.rssMaxBytes).toBeGreaterThan(10 * 2 ** 20);
    expect(formatReport(report)).toMatch(/push_latency.*p95=/);
  });
});
