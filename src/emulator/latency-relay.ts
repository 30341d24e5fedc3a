/**
 * A TCP relay that makes a server on loopback look `rttMs` away. It listens where clients
 * connect and forwards every byte to the real server, each chunk half a round trip late in
 * each direction, so every exchange that waits for an answer (a TLS flight, an HTTP request)
 * pays one round trip. TCP's own handshake happens at once on loopback: the relay stands
 * for it by holding the client's first bytes until one round trip after the connection was
 * accepted, which is when a real client would have sent them.
 */
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { listenOn } from './listen.js';

/** What one relayed connection cost (see `Emulator.relayConnections`). */
export interface RelayedConnection {
  /**
   * Round trips taken: 1 for the TCP handshake, plus 1 for each flight of client bytes that
   * the server answered (a TLS 1.3 handshake's ClientHello, each HTTP request). Counted from
   * the order of bytes, not from time.
   */
  roundTrips: number;
  /** Milliseconds from accepting the connection to the last byte delivered to the client. */
  spanMs: number;
}

interface Span {
  accepted: number;
  lastToClient: number;
  roundTrips: number;
  /** Who sent the last bytes the relay received. */
  lastFrom: 'client' | 'server' | undefined;
  /** A client flight the server has not answered yet. */
  unanswered: boolean;
}

export class LatencyRelay {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private spans: Span[] = [];
  private closing: Promise<void> | undefined;

  /** `target` is the loopback port of the real server, read at each connection. */
  constructor(
    private readonly rttMs: number,
    private readonly target: () => number,
  ) {
    this.server = createServer({ allowHalfOpen: true }, (client) => this.relay(client));
  }

  listen(port: number, host: string): Promise<AddressInfo> {
    return listenOn(this.server, port, host);
  }

  /** Each connection since start or `resetSpans()`, oldest first. */
  connections(): RelayedConnection[] {
    return this.spans.map((span) => ({ roundTrips: span.roundTrips, spanMs: span.lastToClient - span.accepted }));
  }

  resetSpans(): void {
    this.spans = [];
  }

  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      for (const timer of this.timers) clearTimeout(timer);
      this.timers.clear();
      this.server.close(() => resolve());
      for (const socket of this.sockets) socket.destroy();
    });
    return this.closing;
  }

  private relay(client: Socket): void {
    if (this.closing) {
      client.destroy();
      return;
    }
    const accepted = performance.now();
    const span: Span = { accepted, lastToClient: accepted, roundTrips: 1, lastFrom: undefined, unanswered: false };
    this.spans.push(span);
    const oneWay = this.rttMs / 2;
    const upstream = connect({ port: this.target(), host: '127.0.0.1', allowHalfOpen: true });
    // A new client flight begins when the client sends after the server did (or first); it
    // becomes a round trip once the server answers it. A close_notify at exit is never answered.
    client.on('data', () => {
      if (span.lastFrom !== 'client') span.unanswered = true;
      span.lastFrom = 'client';
    });
    upstream.on('data', () => {
      if (span.unanswered) span.roundTrips += 1;
      span.unanswered = false;
      span.lastFrom = 'server';
    });
    this.track(client);
    this.track(upstream);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    // Nothing reaches the server before the stand-in TCP handshake is over.
    this.forward(client, upstream, () => Math.max(performance.now(), accepted + this.rttMs) + oneWay);
    this.forward(upstream, client, () => performance.now() + oneWay, () => (span.lastToClient = performance.now()));
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }

  /** Sends what `from` receives on to `to` at `due()`, in order; its end and its failure too. */
  private forward(from: Socket, to: Socket, due: () => number, delivered?: () => void): void {
    let last = 0;
    const at = (fn: () => void): void => {
      // Never overtake an earlier chunk, whatever the clock did.
      last = Math.max(due(), last);
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        fn();
      }, last - performance.now());
      this.timers.add(timer);
    };
    let ended = false;
    from.on('data', (chunk: Buffer) =>
      at(() => {
        if (to.destroyed) return;
        to.write(chunk);
        delivered?.();
      }),
    );
    from.on('end', () => {
      ended = true;
      at(() => !to.destroyed && to.end());
    });
    // A reset (or a close without a FIN) reaches the other side too, after what was already sent.
    from.on('error', () => {});
    from.on('close', () => {
      if (!ended) at(() => to.destroy());
    });
  }
}
