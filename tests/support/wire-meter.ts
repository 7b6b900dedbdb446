import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';

/** Bytes that crossed the meter since the last `reset()`, server → client, split by connection kind. */
export interface WireBytes {
  /** HTTP responses (headers and bodies, as sent: compressed when the server compressed them). */
  http: number;
  /**
   * The same counting each GET (method and URL) once, at its first response, and every POST: what
   * the visit needs, without a browser's duplicate fetches (two workers started from one URL at once).
   */
  httpDistinct: number;
  /** Everything after a WebSocket upgrade, frames included. */
  websocket: number;
}

/**
 * A TCP relay in front of a server that counts the bytes it forwards to the client: what a browser
 * really received on the wire, whatever it negotiated, workers and revalidations included.
 */
export class WireMeter {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private bytes = { http: 0, websocket: 0 };
  /** Response bytes per resource, the first response of each. */
  private resources = new Map<string, number>();
  private firstOf = new Map<string, object>();
  private posts = 0;

  private constructor(targetPort: number) {
    this.server = createServer((client) => {
      const upstream = connect(targetPort, '127.0.0.1');
      this.sockets.add(client).add(upstream);
      let kind: 'http' | 'websocket' = 'http';
      // Browsers do not pipeline HTTP/1.1: the bytes that follow a request answer it, until the next one.
      let resource: { key: string; bytes: number } | null = null;
      client.on('data', (chunk: Buffer) => {
        const start = chunk.subarray(0, 2048).toString('latin1');
        if (/^upgrade:\s*websocket/im.test(start)) kind = 'websocket';
        const request = /^(GET|POST|HEAD) (\S+) HTTP\/1\.1\r\n/.exec(start);
        if (request && kind === 'http') {
          // A POST is its own resource every time; a GET of the same URL is the same resource.
          const key = request[1] === 'POST' ? `POST ${request[2]} #${++this.posts}` : `${request[1]} ${request[2]}`;
          resource = { key, bytes: 0 };
          if (!this.resources.has(key)) this.resources.set(key, 0);
        }
        upstream.write(chunk);
      });
      upstream.on('data', (chunk: Buffer) => {
        this.bytes[kind] += chunk.length;
        if (kind === 'http' && resource) {
          resource.bytes += chunk.length;
          // Only the first response of a resource counts (later ones are duplicates).
          if (this.firstOf.get(resource.key) === undefined) this.firstOf.set(resource.key, resource);
          if (this.firstOf.get(resource.key) === resource) this.resources.set(resource.key, resource.bytes);
        }
        client.write(chunk);
      });
      const close = () => {
        client.destroy();
        upstream.destroy();
        this.sockets.delete(client);
        this.sockets.delete(upstream);
      };
      client.on('close', close).on('error', close);
      upstream.on('close', close).on('error', close);
    });
  }

  static async start(targetPort: number): Promise<WireMeter> {
    const meter = new WireMeter(targetPort);
    await new Promise<void>((resolve) => meter.server.listen(0, '127.0.0.1', resolve));
    return meter;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The counts so far, then zero. */
  reset(): WireBytes {
    let httpDistinct = 0;
    for (const bytes of this.resources.values()) httpDistinct += bytes;
    const counted = { ...this.bytes, httpDistinct };
    this.bytes = { http: 0, websocket: 0 };
    this.resources = new Map();
    this.firstOf = new Map();
    return counted;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
