/**
 * A small TCP proxy on loopback between the worker and the source, so the soak can make the link slow
 * (every chunk held for a delay, both ways) or cut it (every open connection destroyed and new ones
 * refused until it is restored), as a flaky network would, without touching the server.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export class TcpProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private delayMs = 0;
  private cut = false;
  private forwarded: Array<() => void> = [];
  port = 0;

  constructor(private readonly targetPort: number) {}

  async start(): Promise<void> {
    this.server = createServer((client) => this.pipe(client));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  /** Holds every chunk this long before forwarding it (0: a normal link). */
  slow(delayMs: number): void {
    this.delayMs = delayMs;
  }

  /** Cuts the link: open connections die at once and new ones are closed until `restore`. */
  cutLink(): void {
    this.cut = true;
    for (const s of this.sockets) s.destroy();
  }

  /** Resolves once the next chunk from a client reached the server (a request is then in the server's hands). */
  nextRequest(): Promise<void> {
    return new Promise((resolve) => this.forwarded.push(resolve));
  }

  restore(): void {
    this.cut = false;
    this.delayMs = 0;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private pipe(client: Socket): void {
    if (this.cut) return void client.destroy();
    const upstream = connect(this.targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
      s.on('error', () => undefined); // a cut or a stopped server: the peer is destroyed below
    }
    this.forward(client, upstream, () => this.forwarded.splice(0).forEach((f) => f()));
    this.forward(upstream, client);
  }

  /** Forwards in order: each chunk waits in a queue until its release time, so a delay never reorders bytes. */
  private forward(from: Socket, to: Socket, onWrite?: () => void): void {
    const queue: { at: number; chunk: Buffer }[] = [];
    let timer: NodeJS.Timeout | undefined;
    const drain = () => {
      timer = undefined;
      while (queue.length > 0 && queue[0]!.at <= Date.now()) {
        const { chunk } = queue.shift()!;
        if (to.writable) to.write(chunk, onWrite);
      }
      if (queue.length > 0) timer = setTimeout(drain, queue[0]!.at - Date.now());
    };
    from.on('data', (chunk: Buffer) => {
      const at = Math.max(Date.now() + this.delayMs, queue.at(-1)?.at ?? 0);
      queue.push({ at, chunk });
      if (timer === undefined) drain();
    });
    from.on('close', () => to.destroy());
  }
}
