import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { closeOf, rawSocket } from '../support/graphql-clients.js';

describe('process lifecycle', () => {
  it('on SIGTERM logs the shutdown, closes sockets with 1001, stops and exits 0', async () => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/server/main.ts',
        '--port',
        '0',
        '--host',
        '127.0.0.1',
        '--history-hours',
        '1',
        '--symbols',
        'BTCUSDT',
      ],
      {
        env: { ...process.env, CLIENT_DIST: 'nonexistent' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const ready = output.split('\n').map((l) => {
          try {
            return JSON.parse(l);
          } catch {
            return null;
          }
        });
        const listening = ready.find((l) => l?.event === 'listening');
        if (listening && ready.some((l) => l?.event === 'ready')) resolve(listening.url);
      });
      child.once('exit', (code) => reject(new Error(`exited early with ${code}: ${output}`)));
    });
    const ws = await rawSocket(`${url.replace('http', 'ws')}/graphql`);
    ws.send(JSON.stringify({ type: 'connection_init' }));
    await once(ws, 'message');
    const closed = closeOf(ws);
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    expect((await closed).code).toBe(1001);
    const [code] = await exited;
    expect(code).toBe(0);
    const events = output.split('\n').flatMap((line) => (line.startsWith('{') ? [JSON.parse(line).event] : []));
    expect(events.indexOf('shutdown')).toBeGreaterThan(events.indexOf('ready'));
    expect(events.indexOf('stopped')).toBeGreaterThan(events.indexOf('shutdown'));
    expect(output).toContain('"event":"ws_connect"');
  });
});
