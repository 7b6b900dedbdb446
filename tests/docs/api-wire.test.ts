import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { waitFor } from '../support/cluster.js';
import { startTestServer, type TestServer } from '../support/server.js';

/**
 * docs/api.md shows, as transcripts, what clients see on the wire for each kind of error. Every
 * transcript under a `<!-- wire … -->` marker is replayed here against the real server (configured
 * with the marker's settings) and must match message for message: the docs cannot drift from it.
 *
 * Lines: `→ {json}` a WebSocket message sent, `← {json}` the next one received, `← close CODE REASON`
 * the close; `→ GET|POST /path [Accept: type] [body]` an HTTP request, `← STATUS {json}` its answer.
 */
interface Transcript {
  name: string;
  env: Record<string, string>;
  protocol: string;
  lines: string[];
}

const API_DOC = new URL('../../docs/api.md', import.meta.url);

function transcripts(doc: string): Transcript[] {
  const found: Transcript[] = [];
  const marker = /<!-- wire: (.+?) -->\n```text\n([\s\S]*?)```/g;
  for (const [, head, body] of doc.matchAll(marker)) {
    const [name, ...settings] = head!.trim().split(/\s+/);
    const env = Object.fromEntries(settings.map((s) => s.split('=') as [string, string]));
    const protocol = env.protocol ?? 'graphql-transport-ws';
    delete env.protocol;
    found.push({ name: name!, env, protocol, lines: body!.trim().split('\n') });
  }
  return found;
}

const servers = new Map<string, Promise<TestServer>>();
function serverFor(env: Record<string, string>): Promise<TestServer> {
  const key = JSON.stringify(env);
  if (!servers.has(key))
    servers.set(
      key,
      startTestServer(env).then(async (server) => {
        await waitFor('readiness', async () => (await fetch(`${server.url}/health`)).status === 200);
        return server;
      }),
    );
  return servers.get(key)!;
}
afterAll(async () => {
  for (const server of servers.values()) await (await server).stop();
});

async function replayWebSocket(server: TestServer, { protocol, lines }: Transcript) {
  const ws = new WebSocket(server.wsUrl, protocol);
  const inbox: string[] = [];
  let closed: string | null = null;
  let wake = () => {};
  ws.on('message', (data) => {
    inbox.push(String(data));
    wake();
  });
  ws.on('close', (code, reason) => {
    closed = `close ${code} ${String(reason)}`.trim();
    wake();
  });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const next = () =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no message within 10 s')), 10_000);
      const check = () => {
        if (inbox.length > 0 || closed) {
          clearTimeout(timer);
          wake = () => {};
          resolve(inbox.shift() ?? closed!);
        } else wake = check;
      };
      check();
    });
  try {
    for (const line of lines) {
      if (line.startsWith('→ ')) ws.send(line.slice(2));
      else if (line.startsWith('← close')) expect(await next()).toBe(line.slice(2));
      else expect(JSON.parse(await next())).toEqual(JSON.parse(line.slice(2)));
    }
  } finally {
    ws.terminate();
  }
}

async function replayHttp(server: TestServer, { lines }: Transcript) {
  for (let i = 0; i < lines.length; i += 2) {
    const request = /^→ (GET|POST) (\S+)(?: Accept: (\S+))?(?: (.+))?$/.exec(lines[i]!);
    const expected = /^← (\d{3}) (.+)$/.exec(lines[i + 1] ?? '');
    if (!request || !expected) throw new Error(`not a request/response pair: ${lines[i]} / ${lines[i + 1]}`);
    const [, method, path, accept, body] = request;
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(accept ? { accept } : {}) },
      body: body ?? null,
    });
    expect({ status: response.status, body: await response.json() }).toEqual({
      status: Number(expected[1]),
      body: JSON.parse(expected[2]!),
    });
  }
}

describe('docs/api.md: what clients see, replayed against the server', () => {
  const all = transcripts(readFileSync(API_DOC, 'utf8'));
  it('has transcripts', () => {
    expect(all.length).toBeGreaterThanOrEqual(8);
  });
  it("SSE carries the unknown-symbol transcript's result as a `next` event, then `complete`", async () => {
    const server = await serverFor({});
    const [sent, received] = all
      .find((t) => t.name === 'ws-unknown-symbol')!
      .lines.filter((line) => line.includes('"id":"1"'))
      .map((line) => JSON.parse(line.slice(2)) as { payload?: unknown });
    const response = await fetch(server.httpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify(sent!.payload),
    });
    const events = (await response.text())
      .split('\n\n')
      .filter((block) => block.startsWith('event:'))
      .map((block) => {
        const [event, data] = block.split('\n');
        return { event: event!.slice('event: '.length), data: data?.slice('data:'.length).trim() };
      });
    expect(events.map((e) => e.event)).toEqual(['next', 'complete']);
    expect(JSON.parse(events[0]!.data!)).toEqual(received!.payload);
  });

  for (const transcript of all) {
    it(transcript.name, async () => {
      const server = await serverFor(transcript.env);
      const http = /^→ (GET|POST) /.test(transcript.lines[0]!);
      await (http ? replayHttp(server, transcript) : replayWebSocket(server, transcript));
    });
  }
});
