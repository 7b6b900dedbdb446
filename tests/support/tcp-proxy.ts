import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy on a free local port in front of `target` (host:port) that can black-hole its
 * connections: `blackHole()` stops carrying bytes both ways but keeps every connection open, as a
 * network partition or a hung host does. Nothing is lost: what was sent meanwhile arrives after
 * `restore()`, in order (TCP delivers late rather than never). New connections are accepted and
 * their bytes held too.
 */
export class TcpProxy {
  private readonly sockets = new Set<Socket>();
  /** Bytes received while black-holed, in arrival order, with where they go. */
  private held: Array<[Socket, Buffer]> | null = null;

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const proxy = new TcpProxy(server, (server.address() as { port: number }).port);
    server.on('connection', (client) => proxy.carry(client, connect(targetPort, targetHost)));
    return proxy;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  blackHole(): void {
    this.held ??= [];
  }

  /** Delivers what was held, in order, and carries bytes again. */
  restore(): void {
    const held = this.held ?? [];
    this.held = null;
    for (const [to, chunk] of held) if (!to.destroyed) to.write(chunk);
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private carry(client: Socket, upstream: Socket): void {
    const forward = (from: Socket, to: Socket) =>
      from.on('data', (chunk: Buffer) => (this.held ? this.held.push([to, chunk]) : to.write(chunk)));
    forward(client, upstream);
    forward(upstream, client);
    const end = () => {
      for (const socket of [client, upstream]) {
        this.sockets.delete(socket);
        socket.destroy();
      }
    };
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on('close', end);
      socket.on('error', end);
    }
  }
}
