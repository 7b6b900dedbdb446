import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import { launchChromium, skipBrowserTests } from './chromium.js';

/**
 * Chromium's own WebSocket speaking the legacy subscriptions-transport-ws protocol (subprotocol
 * `graphql-ws`) by its documented messages, as older Apollo web clients do: the handshake agrees on
 * the subprotocol (a browser gives up on a server that names none), frames arrive as `data`.
 */
describe.skipIf(skipBrowserTests)('legacy graphql-ws subprotocol in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  beforeAll(async () => {
    server = await startTestServer();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('agrees on graphql-ws, acks, keeps alive and streams frames as `data` messages', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/health/live`);
    const outcome = await page.evaluate(async (url) => {
      const ws = new WebSocket(url, 'graphql-ws');
      const messages: Array<{ type: string; id?: string; payload?: { data?: { heatmapUpdated: { seq: number } } } }> =
        [];
      return new Promise<{ protocol: string; types: string[]; seqs: number[] }>((resolve, reject) => {
        setTimeout(() => reject(new Error(`no frames; got ${JSON.stringify(messages)}`)), 20_000);
        ws.onerror = () => reject(new Error('socket error'));
        ws.onopen = () => {
          ws.send(JSON.stringify({ type: 'connection_init', payload: {} }));
          ws.send(
            JSON.stringify({
              id: '1',
              type: 'start',
              payload: { query: 'subscription { heatmapUpdated(symbols: ["BTCUSDT"]) { seq } }' },
            }),
          );
        };
        ws.onmessage = (event) => {
          messages.push(JSON.parse(event.data as string));
          const seqs = messages.flatMap((m) => (m.type === 'data' ? [m.payload!.data!.heatmapUpdated.seq] : []));
          if (seqs.length < 2) return;
          ws.send(JSON.stringify({ id: '1', type: 'stop' }));
          ws.send(JSON.stringify({ type: 'connection_terminate' }));
          resolve({ protocol: ws.protocol, types: messages.map((m) => m.type), seqs });
        };
      });
    }, server.wsUrl);
    expect(outcome.protocol).toBe('graphql-ws');
    expect(outcome.types.slice(0, 3)).toEqual(['connection_ack', 'ka', 'data']);
    expect(outcome.seqs[1]).toBe(outcome.seqs[0]! + 1);
    await page.close();
  });

  it('a page offering no subprotocol never gets an open socket', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/health/live`);
    const outcome = await page.evaluate(
      (url) =>
        new Promise<{ opened: boolean; code: number; wasClean: boolean }>((resolve) => {
          let opened = false;
          const ws = new WebSocket(url);
          ws.onopen = () => (opened = true);
          ws.onclose = (event) => resolve({ opened, code: event.code, wasClean: event.wasClean });
        }),
      server.wsUrl,
    );
    expect(outcome).toEqual({ opened: false, code: 1006, wasClean: false });
    await page.close();
  });
});
