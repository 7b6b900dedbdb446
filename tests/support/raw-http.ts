import { request, type IncomingHttpHeaders } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';

/** An HTTP answer as it went over the wire (raw node:http, no client-side decompression). */
export interface RawAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body as received, still encoded. */
  wire: Buffer;
  /** The body decoded according to Content-Encoding. */
  text: string;
}

/** GET `url` with `headers`, or POST `body` as JSON when there is one. */
export function rawHttp(url: string, headers: Record<string, string> = {}, body?: string): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: body === undefined ? 'GET' : 'POST',
        headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const wire = Buffer.concat(chunks);
          const encoding = res.headers['content-encoding'];
          const decoded =
            encoding === 'br' ? brotliDecompressSync(wire) : encoding === 'gzip' ? gunzipSync(wire) : wire;
          resolve({ status: res.statusCode!, headers: res.headers, wire, text: decoded.toString() });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
