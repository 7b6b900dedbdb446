import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { parseBracketFile, parseLeverageTiers } from '../heatmap/index.js';
import { ArchiveSettingsError, planArchive } from '../market/binance/archive.js';

/**
 * Every setting, once: its env var, the CLI flag derived from it (PORT → --port), default, validation
 * and help text. `--help`, the startup validation and docs/operations.md all read this table.
 */
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const positiveInt = z.coerce.number().int().positive();
const seconds = z.coerce
  .number()
  .positive()
  .transform((s) => Math.round(s * 1000));
const list = z.string().transform((s) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean),
);
const symbolList = list.pipe(
  z.array(z.string().regex(/^[A-Z0-9]{2,20}$/, 'symbols are upper-case like BTCUSDT')).min(1, 'at least one symbol'),
);
const exchangeList = list
  .pipe(z.array(z.enum(['binance', 'bybit', 'okx'])).min(1, 'at least one of binance, bybit, okx'))
  .transform((exchanges) => [...new Set(exchanges)]);
const url = z.string().url();
/** Per second; 0 turns the limit off. */
const rate = z.coerce.number().min(0);
/** A UTC day or minute (the archive's clock), e.g. 2024-01-15 or 2024-01-15T08:30Z; '' = open. */
const utcTime = z
  .string()
  .regex(/^(\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?Z?)?)?$/, 'UTC times look like 2024-01-15 or 2024-01-15T08:30Z')
  .transform((text) => (text === '' ? null : Date.parse(text.length === 10 || text.endsWith('Z') ? text : `${text}Z`)))
  .refine((time) => time === null || Number.isFinite(time), 'not a real date');
/** A file read once at start; '' = none. */
const bracketTables = z.string().transform((path, ctx) => {
  if (path === '') return {};
  try {
    return parseBracketFile(readFileSync(path, 'utf8'));
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
});
/** "leverage:weight" pairs, parsed and normalized at start so a bad value stops the process like any other. */
const leverageTiers = z.string().transform((spec, ctx) => {
  try {
    return parseLeverageTiers(spec);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
});
const origin = z
  .string()
  .refine(
    (value) => URL.canParse(value) && new URL(value).origin === value,
    'origins look like https://example.com (scheme, host, optional port; no path or trailing slash)',
  );

export const settings = {
  PORT: {
    schema: z.coerce.number().int().min(0).max(65535),
    default: '4000',
    help: 'HTTP and WebSocket port (0 picks a free one)',
  },
  HOST: { schema: z.string().min(1), default: '0.0.0.0', help: 'Interface to listen on' },
  SYMBOLS: { schema: symbolList, default: 'BTCUSDT,ETHUSDT,SOLUSDT', help: 'Comma-separated symbols to serve' },
  MARKET_SOURCE: {
    // Before exchanges were aggregated a live source was named after its exchange: say what replaced it.
    schema: z.enum(['simulator', 'replay', 'live'], {
      error: ({ input }) =>
        ['binance', 'bybit', 'okx'].includes(String(input))
          ? `a live exchange is now MARKET_SOURCE=live with EXCHANGES=${String(input)}`
          : undefined,
    }),
    default: 'simulator',
    help: "simulator | replay | live (each of EXCHANGES' live USDT perpetuals, see docs/exchange-sources.md)",
  },
  EXCHANGES: {
    schema: exchangeList,
    default: 'binance,bybit,okx',
    help: 'Exchanges to run, simulated or live, one engine each per symbol, aggregated by default (replay: Binance only)',
  },
  SIM_SEED: { schema: z.coerce.number().int(), default: '42', help: 'Simulator seed (same seed, same market)' },
  HISTORY_HOURS: {
    schema: z.coerce.number().positive().max(720),
    default: '720',
    help: 'History the windows fill up to (simulator, live), hours: the last HISTORY_START_HOURS before the first frame, the rest in the background',
  },
  HISTORY_START_HOURS: {
    schema: z.coerce.number().positive().max(720),
    default: '24',
    help: 'History backfilled before the first frame, hours (at most HISTORY_HOURS is used)',
  },
  REPLAY_DIR: {
    schema: z.string(),
    default: '',
    help: "Binance public-data folder (MARKET_SOURCE=replay): the archive's tree data/futures/um/… or a flat folder, .zip or .csv",
  },
  REPLAY_FROM: {
    schema: utcTime,
    default: '',
    help: 'Replay from this UTC time on, e.g. 2024-01-15 or 2024-01-15T08:30Z',
  },
  REPLAY_TO: { schema: utcTime, default: '', help: 'Replay up to this UTC time (exclusive)' },
  REPLAY_SPEED: {
    schema: z.union([z.literal('max'), z.coerce.number().positive()]),
    default: '60',
    help: 'Replay speed factor (1 = real time) or "max"',
  },
  BINANCE_WS_URL: { schema: url, default: 'wss://fstream.binance.com', help: 'Binance USD-M WebSocket base URL' },
  BINANCE_STREAM_ROUTE: {
    schema: z.string().startsWith('/'),
    default: '/market/stream',
    help: 'Combined-stream route (2026 routing)',
  },
  BINANCE_REST_URL: { schema: url, default: 'https://fapi.binance.com', help: 'Binance USD-M REST base URL' },
  BINANCE_STALE_AFTER: {
    schema: seconds,
    default: '15',
    help: 'No Binance stream message for this long → source degraded and the connection replaced, seconds',
  },
  MARGIN_BRACKETS_FILE: {
    schema: bracketTables,
    default: '',
    help: 'JSON of GET /fapi/v1/leverageBracket: margin bracket tables replacing the shipped ones for its symbols',
  },
  BYBIT_WS_URL: {
    schema: url,
    default: 'wss://stream.bybit.com/v5/public/linear',
    help: 'Bybit v5 public linear WebSocket URL',
  },
  BYBIT_REST_URL: { schema: url, default: 'https://api.bybit.com', help: 'Bybit v5 REST base URL' },
  BYBIT_STALE_AFTER: {
    schema: seconds,
    default: '15',
    help: 'No Bybit stream message for this long → source degraded and the connection replaced, seconds',
  },
  OKX_WS_URL: {
    schema: url,
    default: 'wss://ws.okx.com:8443/ws/v5/public',
    help: 'OKX v5 public WebSocket URL (trades, mark price, open interest, liquidations)',
  },
  OKX_WS_BUSINESS_URL: {
    schema: url,
    default: 'wss://ws.okx.com:8443/ws/v5/business',
    help: 'OKX v5 business WebSocket URL (candles)',
  },
  OKX_REST_URL: { schema: url, default: 'https://www.okx.com', help: 'OKX v5 REST base URL' },
  OKX_STALE_AFTER: {
    schema: seconds,
    default: '15',
    help: 'No message on an OKX stream for this long → source degraded and that connection replaced, seconds',
  },
  LEVERAGE_TIERS: {
    schema: leverageTiers,
    default: '5:15,10:30,25:25,50:20,100:10',
    help: 'Leverage:weight pairs of the position model',
  },
  WS_UPDATE_INTERVAL: {
    schema: seconds,
    default: '1',
    help: 'Publisher tick, seconds (frames are published only when changed)',
  },
  WS_ENABLED: { schema: bool, default: 'true', help: 'false → WebSocket upgrades answered 503; HTTP keeps serving' },
  WS_MAX_CONNECTIONS: {
    schema: positiveInt,
    default: '10000',
    help: 'WebSocket connections per process; excess closed with 1013',
  },
  WS_MAX_SUBSCRIPTIONS_PER_CONNECTION: {
    schema: positiveInt,
    default: '20',
    help: 'Concurrent operations per WebSocket connection',
  },
  WS_MAX_SYMBOLS_PER_SUBSCRIPTION: {
    schema: positiveInt.max(100),
    default: '10',
    help: 'Symbols in one heatmapUpdated subscription',
  },
  WS_MAX_MESSAGE_BYTES: {
    schema: positiveInt,
    default: '65536',
    help: 'Largest incoming WebSocket message; larger closes with 1009',
  },
  WS_INIT_TIMEOUT: {
    schema: seconds,
    default: '3',
    help: 'Seconds to wait for connection_init before closing with 4408',
  },
  WS_KEEPALIVE: {
    schema: seconds,
    default: '12',
    help: 'WebSocket ping interval, seconds (dead peers terminated after another interval)',
  },
  WS_SLOW_CONSUMER_TIMEOUT: {
    schema: seconds,
    default: '1',
    help: 'A send pending longer than this marks a slow consumer, seconds',
  },
  WS_STUCK_TIMEOUT: {
    schema: seconds,
    default: '30',
    help: 'A subscriber whose socket stays undrained this long is disconnected (4080), seconds',
  },
  WS_MAX_BUFFERED_BYTES: {
    schema: positiveInt,
    default: '1048576',
    help: 'Socket bytes buffered beyond which a subscriber counts as slow',
  },
  WS_COMPRESSION: {
    schema: bool,
    default: 'true',
    help: 'Offer permessage-deflate: frames compressed once for all subscribers that accept it; false → all plain',
  },
  WS_COMPRESSION_THRESHOLD: {
    schema: positiveInt,
    default: '1024',
    help: 'WebSocket messages smaller than this go out uncompressed, bytes',
  },
  FANOUT: {
    schema: z.enum(['shared', 'stock']),
    default: 'shared',
    help: 'shared: execute+serialize once per frame per operation; stock: graphql-ws per subscriber',
  },
  WS_MAX_QUEUE_SIZE: {
    schema: positiveInt,
    default: '1',
    help: 'Pending frames kept per symbol for a slow consumer (older ones dropped)',
  },
  WS_RATE_LIMIT: {
    schema: rate,
    default: '10',
    help: 'subscribe/ping/pong messages per second per WebSocket connection (0 = off); excess subscribe → RATE_LIMITED error, excess ping/pong → close 1008',
  },
  WS_RATE_BURST: {
    schema: positiveInt,
    default: '40',
    help: 'Messages a WebSocket connection may send at once before WS_RATE_LIMIT applies',
  },
  HTTP_RATE_LIMIT: {
    schema: rate,
    default: '20',
    help: '/graphql operations per second per client address (0 = off; each operation of a batch counts); excess → 429 with a RATE_LIMITED error',
  },
  HTTP_RATE_BURST: {
    schema: positiveInt,
    default: '60',
    help: '/graphql requests a client address may send at once before HTTP_RATE_LIMIT applies',
  },
  HTTP_MAX_BODY_BYTES: { schema: positiveInt, default: '65536', help: 'Largest /graphql request body; larger → 413' },
  HTTP_MAX_BATCH: {
    schema: positiveInt,
    default: '10',
    help: 'Operations in one batched /graphql request (a JSON array, as Apollo BatchHttpLink sends); more → 413. Each operation counts against HTTP_RATE_LIMIT and the query limits',
  },
  APQ_MAX_QUERIES: {
    schema: positiveInt,
    default: '1000',
    help: 'Automatic persisted queries kept (least recently used dropped first); shared over Redis when REDIS_URL is set',
  },
  TRUST_PROXY: {
    schema: bool,
    default: 'false',
    help: 'true → rate limits key on the last X-Forwarded-For entry (set only behind a proxy that appends it)',
  },
  API_KEYS: {
    schema: list.pipe(z.array(z.string().min(16, 'API keys must be at least 16 characters'))),
    default: '',
    secret: true,
    help: 'Comma-separated API keys; set → required on /graphql (Authorization: Bearer <key>) and in graphql-ws connectionParams (else 401 / 4403)',
  },
  CORS_ALLOWED_ORIGINS: {
    schema: list.pipe(z.array(origin)),
    default: '',
    help: 'Comma-separated origins (https://host[:port]) allowed to use /graphql from a browser; set → other origins get 403 on HTTP and on the WebSocket upgrade (unset: any)',
  },
  GRAPHIQL_ENABLED: {
    schema: bool,
    default: 'true',
    help: 'false → GET /graphql no longer serves GraphiQL (production)',
  },
  INTROSPECTION_ENABLED: {
    schema: bool,
    default: 'true',
    help: 'false → __schema/__type queries are rejected (production)',
  },
  MAX_VARIABLE_VALUES: {
    schema: positiveInt,
    default: '200',
    help: "Values (list items, fields) allowed in one operation's variables",
  },
  MAX_QUERY_TOKENS: {
    schema: positiveInt,
    default: '1000',
    help: 'Tokens allowed in one GraphQL document, stopping huge documents while they are parsed (the standard introspection query has 163)',
  },
  MAX_QUERY_DEPTH: { schema: positiveInt, default: '8', help: 'Deepest selection allowed' },
  MAX_QUERY_COST: {
    schema: positiveInt,
    default: '1000',
    help: 'Highest query cost allowed (graphql-armor cost limit; every field of the schema at once costs ≈ 120)',
  },
  MAX_ALIASES: { schema: positiveInt, default: '15', help: 'Aliases allowed in one operation' },
  REDIS_URL: {
    schema: z.union([z.literal(''), url]),
    default: '',
    help: 'Redis URL; set → frames shared over Redis pub/sub',
  },
  REDIS_CHANNEL_PREFIX: {
    schema: z.string().regex(/^[\w.-]+$/),
    default: 'heatmap',
    help: 'Redis channel prefix: <prefix>:<SYMBOL>; also prefixes the shared keys (lease, seq, latest frame, heatmaps, persisted queries)',
  },
  REDIS_LEASE_TTL: {
    schema: seconds,
    default: '3',
    help: "Lifetime of a symbol's publisher lease, seconds (renewed every third of it): a dead publisher is replaced within about this long",
  },
  CLIENT_DIST: { schema: z.string(), default: 'client/dist', help: 'Built dashboard served at / (if present)' },
  LOG_LEVEL: {
    schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    default: 'info',
    help: 'pino log level',
  },
} as const;

type Settings = typeof settings;
export type Config = { [K in keyof Settings]: z.output<Settings[K]['schema']> };

export class ConfigError extends Error {}

export const flagOf = (name: string) => `--${name.toLowerCase().replaceAll('_', '-')}`;

/** Reads `--flag value` / `--flag=value` arguments into env-var names (flags win over env). */
export function argsToEnv(argv: readonly string[]): Record<string, string> {
  const byFlag = new Map(Object.keys(settings).map((name) => [flagOf(name), name]));
  const env: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.split(/=(.*)/s, 2) as [string, string | undefined];
    const name = byFlag.get(flag);
    if (!name) throw new ConfigError(`Unknown option ${flag}; see --help`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new ConfigError(`Option ${flag} needs a value`);
    env[name] = value;
  }
  return env;
}

/** Validates every setting; the first bad one stops startup with a message naming it. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const config: Record<string, unknown> = {};
  for (const [name, setting] of Object.entries(settings)) {
    const raw = env[name] ?? setting.default;
    const parsed = setting.schema.safeParse(raw);
    if (!parsed.success) {
      // A secret's value never reaches the error message (and so the logs).
      const shown = 'secret' in setting ? '<redacted>' : JSON.stringify(raw);
      throw new ConfigError(`Invalid ${name}=${shown}: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
    }
    config[name] = parsed.data;
  }
  const result = config as Config;
  if (result.MARKET_SOURCE === 'replay') checkReplay(result);
  return result;
}

/** The replay's folder, range and symbols fit together: some price file for every symbol in the range. */
function checkReplay(config: Config): void {
  const { REPLAY_DIR: dir, REPLAY_FROM: from, REPLAY_TO: to } = config;
  if (!dir) throw new ConfigError('Invalid REPLAY_DIR: required when MARKET_SOURCE=replay');
  if (from !== null && to !== null && to <= from) throw new ConfigError('Invalid REPLAY_TO: must be after REPLAY_FROM');
  try {
    planArchive(dir, config.SYMBOLS, { from, to });
  } catch (error) {
    if (!(error instanceof ArchiveSettingsError)) throw error;
    throw new ConfigError(`Invalid REPLAY_DIR=${JSON.stringify(dir)}: ${error.message}`);
  }
}

/**
 * One line for a terminal or a log: control characters (a binary file's bytes quoted in a message,
 * a newline in a value) are shown as escapes, never written raw.
 */
export function oneLine(message: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return message.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

export function helpText(): string {
  const rows = Object.entries(settings).map(
    ([name, s]) =>
      `  ${flagOf(name).padEnd(40)} ${name.padEnd(36)} ${s.help} (default: ${s.default === '' ? 'unset' : s.default})`,
  );
  return [
    'liquidation-heatmap: GraphQL subscriptions server streaming liquidation heatmaps',
    '',
    'Usage: npm start -- [options]      (every option is also an environment variable)',
    '',
    `  ${'option'.padEnd(40)} ${'environment variable'.padEnd(36)} meaning`,
    ...rows,
    `  ${'--help'.padEnd(40)} ${''.padEnd(36)} this text`,
  ].join('\n');
}
