import { readdirSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';
import type { ArchiveType } from './csv.js';

/**
 * Which files of a Binance public-data folder a replay reads. The folder is the archive's own tree
 * (`data/futures/um/daily|monthly/<type>/<SYMBOL>/[<interval>/]<file>`, docs/operations.md) or a flat
 * folder of the same files, zipped (`.zip`) or not (`.csv`).
 */

/** Epoch ms, `from` inclusive and `to` exclusive; null leaves that side open. */
export interface TimeRange {
  from: number | null;
  to: number | null;
}

export interface ArchiveFile {
  path: string;
  symbol: string;
  type: ArchiveType;
  /** The day or month the file covers, [start, end) epoch ms. */
  start: number;
  end: number;
  /** The `.CHECKSUM` sibling (sha256) when present. */
  checksumPath: string | null;
}

export interface ArchivePlan {
  /** One chain per symbol and type, its files in time order: each chain is read file after file. */
  chains: ArchiveFile[][];
  /** Files per type that will be read. */
  counts: Record<ArchiveType, number>;
  /** What was left out and why, one line each (the replay logs them as warnings). */
  skipped: string[];
}

/** A problem with the settings (REPLAY_DIR, the symbols, the range): startup stops with this message. */
export class ArchiveSettingsError extends Error {}

const READ_TYPES: readonly ArchiveType[] = ['aggTrades', 'klines', 'markPriceKlines', 'metrics'];
const PRICE_TYPES: readonly ArchiveType[] = ['aggTrades', 'klines', 'markPriceKlines'];
/** Folders of the types named like klines (`BTCUSDT-1m-2024-01-15.zip`): only the folder tells them apart. */
const KLINE_FOLDERS = ['klines', 'markPriceKlines', 'indexPriceKlines', 'premiumIndexKlines'];
const FILE_NAME = /^([A-Z0-9]+)-([A-Za-z0-9]+)-(\d{4})-(\d{2})(?:-(\d{2}))?\.(zip|csv)$/;
const INTERVAL = /^(\d+)(s|m|h|d|w|mo)$/;
const UNIT_MS: Record<string, number> = { s: 1e3, m: 6e4, h: 36e5, d: 864e5, w: 6048e5, mo: 2592e6 };

interface Candidate extends ArchiveFile {
  /** Candle interval in ms for the kline types (0 otherwise); the finest one of a chain is read. */
  intervalMs: number;
  interval: string;
  monthly: boolean;
  zipped: boolean;
}

/**
 * The files to replay for `symbols` in `range`. Throws ArchiveSettingsError when the folder is missing or
 * a symbol has no price file (aggTrades, klines or markPriceKlines) in the range. Other file types, other
 * intervals than the finest, a `.csv` beside its own `.zip` and daily files inside a monthly file's
 * month are left out, each reason once in `skipped`.
 */
export function planArchive(dir: string, symbols: readonly string[], range: TimeRange): ArchivePlan {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new ArchiveSettingsError(`${dir} is not a directory`);
    names = readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
  } catch (error) {
    if (error instanceof ArchiveSettingsError) throw error;
    throw new ArchiveSettingsError(`cannot read ${dir}: ${(error as Error).message}`);
  }
  const present = new Set(names);
  const wanted = new Set(symbols);
  const skippedTypes = new Map<string, number>();
  const chains = new Map<string, Candidate[]>();
  let unrecognized = 0;

  for (const relative of names) {
    const parts = relative.split(sep);
    const name = parts[parts.length - 1]!;
    if (name.endsWith('.CHECKSUM')) continue;
    const match = FILE_NAME.exec(name);
    if (!match) {
      if (/\.(zip|csv)$/i.test(name)) unrecognized++;
      continue;
    }
    const [, symbol, middle, year, month, day, extension] = match as unknown as [
      string,
      string,
      string,
      string,
      string,
      string | undefined,
      string,
    ];
    if (!wanted.has(symbol)) continue;
    const interval = INTERVAL.exec(middle);
    const type = interval ? (parts.findLast((part) => KLINE_FOLDERS.includes(part)) ?? 'klines') : middle;
    if (!(READ_TYPES as readonly string[]).includes(type)) {
      skippedTypes.set(type, (skippedTypes.get(type) ?? 0) + 1);
      continue;
    }
    const start = Date.UTC(Number(year), Number(month) - 1, day ? Number(day) : 1);
    const end = day ? start + 86_400_000 : Date.UTC(Number(year), Number(month), 1);
    if ((range.from !== null && end <= range.from) || (range.to !== null && start >= range.to)) continue;
    const checksum = `${relative}.CHECKSUM`;
    const candidate: Candidate = {
      path: join(dir, relative),
      symbol,
      type: type as ArchiveType,
      start,
      end,
      checksumPath: present.has(checksum) ? join(dir, checksum) : null,
      intervalMs: interval ? Number(interval[1]) * UNIT_MS[interval[2]!]! : 0,
      interval: interval ? middle : '',
      monthly: !day,
      zipped: extension === 'zip',
    };
    const key = `${symbol} ${type}`;
    chains.set(key, [...(chains.get(key) ?? []), candidate]);
  }

  const skipped = [...skippedTypes].map(
    ([type, count]) => `${count} ${type} file(s) skipped: replay reads ${READ_TYPES.join(', ')}`,
  );
  if (unrecognized > 0)
    skipped.push(`${unrecognized} .zip/.csv file(s) skipped: names not like BTCUSDT-aggTrades-2024-01-15.zip`);
  const planned = [...chains.values()].map((files) => selectChain(files, skipped));

  for (const symbol of symbols) {
    if (!planned.some((chain) => chain[0]!.symbol === symbol && PRICE_TYPES.includes(chain[0]!.type))) {
      throw new ArchiveSettingsError(
        `no aggTrades, klines or markPriceKlines files for ${symbol} in ${dir}${describeRange(range)}` +
          ` (expected the archive's tree, e.g. data/futures/um/daily/aggTrades/${symbol}/${symbol}-aggTrades-2024-01-15.zip, or a flat folder of such files)`,
      );
    }
  }
  const counts = { aggTrades: 0, klines: 0, markPriceKlines: 0, metrics: 0 };
  for (const chain of planned) counts[chain[0]!.type] += chain.length;
  return { chains: planned.map((chain) => chain.map(toArchiveFile)), counts, skipped };
}

/** One chain's files in time order: the finest interval, zips over their unzipped copies, monthly over daily. */
function selectChain(files: Candidate[], skipped: string[]): Candidate[] {
  const { symbol, type } = files[0]!;
  const finest = Math.min(...files.map((file) => file.intervalMs));
  const coarser = files.filter((file) => file.intervalMs !== finest);
  if (coarser.length > 0) {
    const intervals = [...new Set(coarser.map((file) => file.interval))].join(', ');
    skipped.push(`${coarser.length} ${symbol} ${type} file(s) of ${intervals} skipped: the finest interval is read`);
  }
  const months = files.filter((file) => file.monthly && file.intervalMs === finest);
  const kept = new Map<string, Candidate>();
  let duplicates = 0;
  for (const file of files) {
    if (file.intervalMs !== finest) continue;
    if (!file.monthly && months.some((month) => month.start <= file.start && file.start < month.end)) {
      duplicates++;
      continue;
    }
    const key = `${file.monthly ? 'M' : 'D'}${file.start}`;
    const other = kept.get(key);
    if (other) {
      duplicates++;
      if (other.zipped) continue;
    }
    kept.set(key, file);
  }
  if (duplicates > 0)
    skipped.push(
      `${duplicates} ${symbol} ${type} file(s) skipped: the same period is read from a monthly file or a .zip`,
    );
  return [...kept.values()].sort((a, b) => a.start - b.start);
}

function toArchiveFile({ path, symbol, type, start, end, checksumPath }: Candidate): ArchiveFile {
  return { path, symbol, type, start, end, checksumPath };
}

export function describeRange({ from, to }: TimeRange): string {
  if (from === null && to === null) return '';
  const iso = (time: number | null) => (time === null ? '…' : new Date(time).toISOString());
  return ` between ${iso(from)} and ${iso(to)}`;
}
