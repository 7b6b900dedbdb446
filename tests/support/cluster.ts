/**
 * Real processes for scale-out tests and the Redis load run: a private `redis-server`, server
 * instances (`src/server/main.ts` as an operator runs it) and nginx with deploy/nginx.conf, each on
 * free ports, each stopped by its own pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Polls `check` until it returns a truthy value (never asserting on elapsed time, only giving up eventually). */
export async function waitFor<T>(
  what: string,
  check: () => T | Promise<T>,
  timeoutMs = 30_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

async function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await once(child, 'exit');
}

/** A private redis-server without persistence; `stop` and `start` again keep its port. */
export class RedisProcess {
  private child: ChildProcess | null = null;

  private constructor(readonly port: number) {}

  /** Started on a free port. */
  static async start(): Promise<RedisProcess> {
    const redis = RedisProcess.notStarted(await freePort());
    await redis.start();
    return redis;
  }

  /** One that is not running yet, for a port clients already point at: `start()` brings it up. */
  static notStarted(port: number): RedisProcess {
    return new RedisProcess(port);
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child = child;
    let output = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${output}`)));
    });
  }

  /**
   * SIGSTOP: a hung Redis. Connections stay open and commands are accepted by the kernel, but nothing
   * is answered until `resume()`.
   */
  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  resume(): void {
    this.child?.kill('SIGCONT');
  }

  /** Kills it outright: clients see their connections drop, and everything it held is gone. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child) return;
    child.kill('SIGKILL');
    await exited(child);
  }
}

/** A JSON log line of a server instance. */
export type LogLine = Record<string, unknown> & { event?: string };

/** One server instance as a child process; its JSON log lines are kept. */
export class ServerProcess {
  readonly logs: LogLine[] = [];
  private output = '';
  private listening: string | null = null;

  private constructor(private readonly child: ChildProcess) {
    let partial = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        this.output += `${line}\n`;
        try {
          this.logs.push(JSON.parse(line) as LogLine);
        } catch {
          /* not a log line */
        }
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      this.output += chunk.toString();
    });
  }

  /** Starts `src/server/main.ts` with env-style settings; resolves once it is listening and ready. */
  static async start(env: Record<string, string>): Promise<ServerProcess> {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/server/main.ts', '--port', '0', '--host', '127.0.0.1'],
      {
        env: { ...process.env, CLIENT_DIST: 'nonexistent', LOG_LEVEL: 'info', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const server = new ServerProcess(child);
    // Needs the info-level `listening` and `ready` log lines.
    await waitFor(
      'the server to be ready',
      () => {
        if (!server.alive) throw new Error(`server exited early: ${server.output.slice(-2000)}`);
        return server.events('ready').length > 0;
      },
      60_000,
    ).catch(async (error: unknown) => {
      await server.kill();
      throw error;
    });
    server.listening = server.events('listening')[0]!.url as string;
    return server;
  }

  get url(): string {
    return this.listening!;
  }

  get pid(): number {
    return this.child.pid!;
  }

  get port(): number {
    return Number(new URL(this.url).port);
  }

  get wsUrl(): string {
    return `${this.url.replace(/^http/, 'ws')}/graphql`;
  }

  get httpUrl(): string {
    return `${this.url}/graphql`;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  events(name: string): LogLine[] {
    return this.logs.filter((line) => line.event === name);
  }

  async health(): Promise<{ status: string; reasons: string[]; redis?: { mode: string; leases: string[] } }> {
    return (await fetch(`${this.url}/health`)).json() as never;
  }

  async metric(name: string): Promise<number | null> {
    const text = await (await fetch(`${this.url}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name} `));
    return line ? Number(line.split(' ')[1]) : null;
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    this.child.kill(signal);
    await exited(this.child);
  }

  /** Sends `signal` without waiting: what the process does meanwhile can be observed; `exitCode` waits. */
  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  async exitCode(): Promise<number | null> {
    await exited(this.child);
    return this.child.exitCode;
  }
}

/**
 * nginx with deploy/nginx.conf, as shipped, in front of local instances: only the upstream servers,
 * the listen address and the file paths (pid, logs, temp dirs under a private prefix) are replaced,
 * so the tests exercise the proxy settings operators deploy.
 */
export class NginxProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    readonly prefix: string,
  ) {}

  /**
   * `backupPorts`: upstreams marked `backup`, used only while the others are down; `cache: false`:
   * without the shipped cache of GET answers (bench/reconnect-storm.ts compares both).
   */
  static async start(
    upstreamPorts: readonly number[],
    options: { backupPorts?: readonly number[]; cache?: boolean } = {},
  ): Promise<NginxProcess> {
    const port = await freePort();
    const prefix = await mkdtemp(path.join(tmpdir(), 'heatmap-nginx-'));
    // nginx started as root runs its workers as `nobody`: they must reach the cache and temp dirs in here.
    await chmod(prefix, 0o755);
    const shipped = await readFile(path.resolve('deploy/nginx.conf'), 'utf8');
    const config = localNginxConfig(shipped, { port, upstreamPorts, prefix, ...options });
    const file = path.join(prefix, 'nginx.conf');
    await writeFile(file, config);
    const binary = process.env.NGINX_BIN ?? '/usr/sbin/nginx';
    const child = spawn(binary, ['-p', prefix, '-c', file, '-g', 'daemon off; master_process on;'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const nginx = new NginxProcess(child, port, prefix);
    await waitFor(
      'nginx to listen',
      async () => {
        if (!nginx.alive) throw new Error(`nginx exited: ${output}`);
        return (await fetch(`${nginx.url}/health/live`).catch(() => null))?.ok;
      },
      15_000,
    );
    return nginx;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}/graphql`;
  }

  /**
   * Reloads with other upstreams (SIGHUP, as `nginx -s reload`): connections already proxied stay
   * with the old workers until they end, new ones go by the new configuration.
   */
  async reconfigure(
    upstreamPorts: readonly number[],
    options: { backupPorts?: readonly number[]; cache?: boolean } = {},
  ): Promise<void> {
    const shipped = await readFile(path.resolve('deploy/nginx.conf'), 'utf8');
    const config = localNginxConfig(shipped, { port: this.port, upstreamPorts, prefix: this.prefix, ...options });
    await writeFile(path.join(this.prefix, 'nginx.conf'), config);
    const pid = this.child.pid!;
    const children = async () => (await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8')).split(' ');
    const before = new Set(await children());
    this.child.kill('SIGHUP');
    // worker_processes auto: one per CPU, all new.
    await waitFor(
      'nginx workers with the new configuration',
      async () => (await children()).filter((child) => child.trim() && !before.has(child)).length >= cpus().length,
      15_000,
    );
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async stop(): Promise<void> {
    // SIGQUIT is nginx's graceful stop; the master takes its workers down with it.
    this.child.kill('SIGQUIT');
    await Promise.race([exited(this.child), sleep(5000).then(() => this.child.kill('SIGKILL'))]);
    await exited(this.child);
    await rm(this.prefix, { recursive: true, force: true });
  }
}

/** deploy/nginx.conf with local upstreams, listen port and non-root file paths. */
export function localNginxConfig(
  shipped: string,
  options: {
    port: number;
    upstreamPorts: readonly number[];
    backupPorts?: readonly number[];
    cache?: boolean;
    prefix: string;
  },
): string {
  const { port, upstreamPorts, backupPorts = [], cache = true, prefix } = options;
  const shippedServer = /^(\s*)server app\d+:4000([^;]*);$/m.exec(shipped);
  if (!shippedServer || !/^\s*listen 80( [^;]*)?;$/m.test(shipped))
    throw new Error('deploy/nginx.conf: no upstream "server appN:4000" or "listen 80 …;" to replace');
  const [, indent, params] = shippedServer;
  let first = true;
  const servers = [
    ...upstreamPorts.map((p) => `${indent}server 127.0.0.1:${p}${params};`),
    ...backupPorts.map((p) => `${indent}server 127.0.0.1:${p}${params} backup;`),
  ].join('\n');
  return (
    shipped
      // The first shipped server line becomes the local list; the other shipped ones go.
      .replace(/^\s*server app\d+:4000[^;]*;\n/gm, () => (first ? ((first = false), `${servers}\n`) : ''))
      .replace(/^(\s*)listen 80( [^;]*)?;$/m, `$1listen 127.0.0.1:${port}$2;`)
      .replace(/^pid .*;$/m, `pid ${prefix}/nginx.pid;`)
      .replace(/^(\s*proxy_cache_path )\S+/m, `$1${prefix}/cache`)
      .replace(/^(\s*proxy_cache) heatmap;$/m, cache ? '$&' : '$1 off;')
      .replace(/^error_log .*;$/m, `error_log ${prefix}/error.log warn;`)
      .replace(/^(\s*)access_log .*;$/m, `$1access_log ${prefix}/access.log;`)
      .replace(
        /^http \{$/m,
        [
          'http {',
          ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(
            (kind) => `    ${kind}_temp_path ${prefix}/${kind}_temp;`,
          ),
        ].join('\n'),
      )
  );
}
