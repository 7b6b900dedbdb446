import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';

/** Bytes that crossed the meter since the last `reset()`, server → client, split by connection kind. */
export interface WireBytes {
  /** HTTP responses (headers and bodies, as sent: compressed when the server compressed them). */
  http: number;
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
  private bytes: WireBytes = { http: 0, websocket: 0 };

  private constructor(targetPort: number) {
    this.server = createServer((client) => {
      const upstream = connect(targetPort, '127.0.0.1');
      this.sockets.add(client).add(upstream);
      let kind: keyof WireBytes = 'http';
      client.on('data', (chunk: Buffer) => {
        if (/^upgrade:\s*websocket/im.test(chunk.subarray(0, 2048).toString('latin1'))) kind = 'websocket';
        upstream.write(chunk);
      });
      upstream.on('data', (chunk: Buffer) => {
        this.bytes[kind] += chunk.length;
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
    const bytes = this.bytes;
    this.bytes = { http: 0, websocket: 0 };
    return bytes;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
