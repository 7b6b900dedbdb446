import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import yazl from 'yazl';

/** A zip holding one CSV named like the zip, as data.binance.vision publishes them. */
export async function zipOf(zipName: string, csv: string): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  zip.addBuffer(Buffer.from(csv), basename(zipName).replace(/\.zip$/, '.csv'));
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

/**
 * A Binance public-data folder in a fresh temp dir. Paths ending in `.zip` get the CSV zipped and a
 * `.CHECKSUM` sibling (sha256, as the archive has); other paths are written as given.
 */
export async function archiveTree(
  files: Record<string, string>,
): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'archive-'));
  for (const [path, content] of Object.entries(files)) {
    const full = join(dir, path);
    await mkdir(dirname(full), { recursive: true });
    if (path.endsWith('.zip')) {
      const zip = await zipOf(path, content);
      await writeFile(full, zip);
      await writeFile(`${full}.CHECKSUM`, `${sha256(zip)}  ${basename(path)}\n`);
    } else {
      await writeFile(full, content);
    }
  }
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** The archive's tree path of a daily file: data/futures/um/daily/<type>/<SYMBOL>/[1m/]<name>. */
export function dailyPath(type: string, symbol: string, date: string, extension = 'zip'): string {
  const kline = type === 'klines' || type.endsWith('PriceKlines');
  const name = kline ? `${symbol}-1m-${date}.${extension}` : `${symbol}-${type}-${date}.${extension}`;
  return join('data/futures/um/daily', type, symbol, kline ? '1m' : '', name);
}
