import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real entry point (`npm start`'s) to its exit, with `env` on top of a quiet, local base. */
async function runServer(env: Record<string, string>, args: string[] = []): Promise<Exit> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server/main.ts', ...args], {
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      SYMBOLS: 'BTCUSDT',
      HISTORY_HOURS: '1',
      CLIENT_DIST: 'nonexistent',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

/** Exactly one line, with no stack frame and no raw control character in it. */
function expectOneCleanLine(stderr: string): string {
  const lines = stderr.split('\n').filter((line) => line !== '');
  expect(lines).toHaveLength(1);
  const line = lines[0]!;
  expect(line).not.toMatch(/^\s+at /m);
  expect(line).not.toMatch(/[\u0000-\u001f\u007f]/); // eslint-disable-line no-control-regex -- what must not appear
  return line;
}

/** The server logs `listening` once its port is open: its absence means nothing listened. */
function expectNothingListened(stdout: string): void {
  expect(stdout).not.toContain('"event":"listening"');
}

describe('startup refuses a bad setting', () => {
  const emptyDir = mkdtempSync(join(tmpdir(), 'heatmap-replay-empty-'));
  const aFile = join(emptyDir, 'not-a-folder.csv');
  writeFileSync(aFile, 'x');

  it.each([
    ['LEVERAGE_TIERS', { LEVERAGE_TIERS: 'garbage' }, /^Configuration error: Invalid LEVERAGE_TIERS="garbage": /],
    [
      'REPLAY_DIR',
      { MARKET_SOURCE: 'replay', REPLAY_DIR: join(emptyDir, 'missing') },
      /^Configuration error: Invalid REPLAY_DIR=".*missing": /,
    ],
    [
      'REPLAY_DIR',
      { MARKET_SOURCE: 'replay', REPLAY_DIR: aFile },
      /^Configuration error: Invalid REPLAY_DIR=".*not-a-folder\.csv": .*not a directory/,
    ],
  ])('%s (%j): exits 2 with one line naming it, before listening', async (_name, env, line) => {
    const exit = await runServer(env);
    expect(exit.code).toBe(2);
    expect(expectOneCleanLine(exit.stderr)).toMatch(line);
    expectNothingListened(exit.stdout);
  });

  it('an unknown option exits 2 with one line naming it', async () => {
    const exit = await runServer({}, ['--prot', '5000']);
    expect(exit.code).toBe(2);
    expect(expectOneCleanLine(exit.stderr)).toBe('Configuration error: Unknown option --prot; see --help');
    expectNothingListened(exit.stdout);
  });

  it('control characters in a bad value are escaped, never written raw', async () => {
    const exit = await runServer({ LEVERAGE_TIERS: '5:1\u0007,\u001b[2J\nrm' });
    expect(exit.code).toBe(2);
    const line = expectOneCleanLine(exit.stderr);
    expect(line).toMatch(/^Configuration error: Invalid LEVERAGE_TIERS=/);
    expect(line).toContain('leverage tier "5:1\\x07"');
    expectNothingListened(exit.stdout);
  });
});

describe('startup on a port already in use', () => {
  it('exits 3 with one line naming the address and PORT, before listening', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as { port: number }).port;
    try {
      const exit = await runServer({ PORT: String(port) });
      expect(exit.code).toBe(3);
      expect(expectOneCleanLine(exit.stderr)).toBe(
        `Cannot listen: 127.0.0.1:${port} (PORT, HOST): address already in use`,
      );
      expectNothingListened(exit.stdout);
    } finally {
      holder.close();
    }
  });
});
