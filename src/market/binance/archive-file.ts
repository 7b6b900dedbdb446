import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import type { MarketEvent } from '../events.js';
import type { ArchiveFile } from './archive.js';
import { ARCHIVE_HEADERS, isDataRow, parseArchiveRow, splitCsvLine } from './csv.js';

/** A file that cannot be used as a whole; the message names it (and the row, where there is one). */
export class ArchiveFileError extends Error {}

/**
 * The events of one archive file, in file order, in batches (one per chunk read: awaiting each event
 * alone would cost more than parsing it). A malformed row goes to `onBadRow` (1-based row number of the
 * CSV) and is skipped. A file that cannot be used as a whole throws an ArchiveFileError naming it: a
 * sha256 that does not match its `.CHECKSUM` sibling, a zip that cannot be read (truncated, no CSV
 * inside, corrupt data), a header row of another type.
 */
export async function* readArchiveFile(
  file: ArchiveFile,
  onBadRow: (row: number, line: string) => void,
): AsyncGenerator<MarketEvent[]> {
  if (file.checksumPath) await verifyChecksum(file.path, file.checksumPath);
  const { input, close } = await openCsv(file.path);
  const decoder = new TextDecoder();
  let row = 0;
  let first = true;
  const parse = (lines: readonly string[]): MarketEvent[] => {
    const events: MarketEvent[] = [];
    for (const line of lines) {
      row++;
      // Fields are trimmed, so CRLF line ends read like LF ones.
      if (line.trim() === '') continue;
      const fields = splitCsvLine(line);
      if (first) {
        first = false;
        // Files from before about mid-2022 start with data, the others with their type's header.
        if (!isDataRow(fields)) {
          const expected = ARCHIVE_HEADERS[file.type];
          if (line.trim() !== expected)
            throw new ArchiveFileError(
              `${file.path} row ${row}: header "${line.slice(0, 200)}" is not the ${file.type} header "${expected}"`,
            );
          continue;
        }
      }
      const event = parseArchiveRow(file.type, fields, file.symbol);
      if (event) events.push(event);
      else onBadRow(row, line);
    }
    return events;
  };
  try {
    let partial = '';
    for await (const chunk of input) {
      const lines = (partial + decoder.decode(chunk as Buffer, { stream: true })).split('\n');
      partial = lines.pop()!;
      const events = parse(lines);
      if (events.length > 0) yield events;
    }
    const events = parse([partial + decoder.decode()]);
    if (events.length > 0) yield events;
  } catch (error) {
    if (error instanceof ArchiveFileError) throw error;
    // A read failing mid-file: corrupt zip data, a file that vanished.
    throw new ArchiveFileError(`${file.path} after row ${row}: ${(error as Error).message}`);
  } finally {
    close();
  }
}

/** The checksum file holds "<sha256 hex>  <file name>", as `sha256sum` writes it. */
async function verifyChecksum(path: string, checksumPath: string): Promise<void> {
  const expected = /^([0-9a-f]{64})\b/i.exec((await readFile(checksumPath, 'utf8')).trim())?.[1]?.toLowerCase();
  if (!expected) throw new ArchiveFileError(`${path}: ${basename(checksumPath)} holds no sha256`);
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  const actual = hash.digest('hex');
  if (actual !== expected)
    throw new ArchiveFileError(`${path}: sha256 ${actual} does not match ${basename(checksumPath)} (${expected})`);
}

/** The CSV text of a plain file, or of the first `.csv` entry of a zip (the archive's zips hold one CSV each). */
async function openCsv(path: string): Promise<{ input: Readable; close: () => void }> {
  if (!path.endsWith('.zip')) {
    const input = createReadStream(path);
    return { input, close: () => input.destroy() };
  }
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.openPromise(path, { lazyEntries: true, autoClose: false });
  } catch (error) {
    throw new ArchiveFileError(`${path}: not a readable zip (${(error as Error).message})`);
  }
  try {
    let entry: yauzl.Entry | undefined;
    for await (const candidate of zip.eachEntry()) {
      if (candidate.fileName.endsWith('.csv')) {
        entry = candidate;
        break;
      }
    }
    if (!entry) throw new ArchiveFileError(`${path}: the zip holds no .csv file`);
    const input = await zip.openReadStreamPromise(entry);
    return {
      input,
      close: () => {
        input.destroy();
        zip.close();
      },
    };
  } catch (error) {
    zip.close();
    if (error instanceof ArchiveFileError) throw error;
    throw new ArchiveFileError(`${path}: not a readable zip (${(error as Error).message})`);
  }
}
