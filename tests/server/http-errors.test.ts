import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ HTTP_MAX_BODY_BYTES: '2048' });
});
afterAll(() => server?.stop());

const SUBSCRIPTION = 'subscription { heatmapUpdated(symbols: ["BTCUSDT"]) { seq } }';
const json = { 'content-type': 'application/json' };

/** Requests a client can get wrong, each with the status it must get. */
const mistakes: Array<[string, number, () => RequestInit & { path?: string }]> = [
  ['malformed JSON body', 400, () => ({ method: 'POST', headers: json, body: '{"query": bad' })],
  ['JSON body that is not an object', 400, () => ({ method: 'POST', headers: json, body: '"{ symbols { symbol } }"' })],
  [
    'malformed variables in a GET',
    400,
    () => ({ path: `?query=${encodeURIComponent('{ symbols { symbol } }')}&variables=%7Bx` }),
  ],
  [
    'a subscription over GET asking for JSON',
    406,
    () => ({ path: `?query=${encodeURIComponent(SUBSCRIPTION)}`, headers: { accept: 'application/json' } }),
  ],
  [
    'a query asking only for HTML',
    406,
    () => ({ method: 'POST', headers: { ...json, accept: 'text/html' }, body: '{"query":"{ symbols { symbol } }"}' }),
  ],
  [
    'a body that is neither JSON nor a form',
    415,
    () => ({ method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{ symbols { symbol } }' }),
  ],
  [
    'a method GraphQL does not use',
    405,
    () => ({ method: 'PUT', headers: json, body: '{"query":"{ symbols { symbol } }"}' }),
  ],
  [
    'a body over HTTP_MAX_BODY_BYTES',
    413,
    () => ({
      method: 'POST',
      headers: json,
      body: JSON.stringify({ query: `{ symbols { symbol } }${' '.repeat(4096)}` }),
    }),
  ],
  [
    'an unknown persisted-query hash',
    404,
    () => ({
      method: 'POST',
      headers: json,
      body: JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: 'f'.repeat(64) } } }),
    }),
  ],
];

describe('every 4xx from /graphql has a GraphQL error body and is never cached', () => {
  for (const [what, status, request] of mistakes) {
    it(`${what}: ${status}`, async () => {
      const { path = '', ...init } = request();
      const response = await fetch(`${server.httpUrl}${path}`, init);
      expect(response.status).toBe(status);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(response.headers.get('cache-control')).toBe('no-store');
      const text = await response.text();
      const body = JSON.parse(text) as { errors: Array<{ message: unknown; extensions?: { code?: unknown } }> };
      expect(body.errors.length).toBeGreaterThan(0);
      for (const error of body.errors) {
        expect(error.message).toEqual(expect.any(String));
        expect(error.extensions?.code).toEqual(expect.any(String));
      }
      // No parser or HTTP internals.
      expect(text).not.toMatch(/originalError|"http"|SyntaxError|stack/);
    });
  }

  it('the 406 of a subscription says which type to ask for, and keeps the Accept header saying it', async () => {
    const response = await fetch(`${server.httpUrl}?query=${encodeURIComponent(SUBSCRIPTION)}`, {
      headers: { accept: 'application/json' },
    });
    expect(response.headers.get('accept')).toBe('text/event-stream');
    expect(await response.json()).toEqual({
      errors: [
        {
          message: 'Not Acceptable: this result can be sent as text/event-stream only; allow it in the Accept header',
          extensions: { code: 'NOT_ACCEPTABLE' },
        },
      ],
    });
  });
});
