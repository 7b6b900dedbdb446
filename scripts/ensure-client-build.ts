import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { GRAPHIQL_MANIFEST } from '../src/server/graphiql-manifest.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const clientDir = path.join(root, 'client');
const distIndex = path.join(clientDir, 'dist', 'index.html');
/** What the build is made from: a change to any of these makes client/dist stale. */
const sources = [
  path.join(clientDir, 'src'),
  path.join(clientDir, 'index.html'),
  path.join(clientDir, 'vite.config.ts'),
  path.join(clientDir, 'graphiql-assets.ts'),
  path.join(root, 'node_modules', '@graphql-yoga', 'render-graphiql', 'package.json'),
];

async function newestChange(target: string): Promise<number> {
  const info = await stat(target).catch(() => null);
  if (!info) return 0;
  if (!info.isDirectory()) return info.mtimeMs;
  const entries = await readdir(target);
  const times = await Promise.all(entries.map((entry) => newestChange(path.join(target, entry))));
  return Math.max(info.mtimeMs, ...times);
}

/** Why client/dist must be (re)built, or null when it is up to date. */
export async function staleReason(): Promise<string | null> {
  const built = await stat(distIndex).catch(() => null);
  if (!built) return 'client/dist is missing';
  if (!(await stat(path.join(clientDir, 'dist', GRAPHIQL_MANIFEST)).catch(() => null)))
    return 'client/dist has no GraphiQL assets';
  const newest = Math.max(...(await Promise.all(sources.map(newestChange))));
  return newest > built.mtimeMs ? 'client sources changed since the last build' : null;
}

/** Builds the dashboard with Vite when client/dist is missing or older than its sources. */
export async function ensureClientBuild(log: (message: string) => void = console.log): Promise<void> {
  const reason = await staleReason();
  if (!reason) return;
  log(`Building the dashboard: ${reason}`);
  // React's production build even when called from a test run: vitest sets NODE_ENV=test, which
  // would give Vite the 1 MB development build.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({ configFile: path.join(clientDir, 'vite.config.ts'), logLevel: 'warn' });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  ensureClientBuild().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
