/**
 * Servers and proxies that misbehave on purpose, for the hardening tests: all on 127.0.0.1,
 * port 0, and each counts what reached it so a test can prove that nothing did.
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { type Socket, connect } from 'node:net';

export interface Listening {
  url: string;
  port: number;
  /** Requests (or CONNECTs) that reached it, as `METHOD target` lines. */
  seen: string[];
  /** Authorization headers it was sent: the token must never be among them. */
  authorizations: string[];
  close(): Promise<void>;
}

async function listen(server: Server, seen: string[], authorizations: string[]): Promise<Listening> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  // Test furniture: it must never be what keeps a test process alive.
  server.unref();
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    seen,
    authorizations,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** An HTTP server answering every request with `handler`. */
export function hostileServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<Listening> {
  const seen: string[] = [];
  const authorizations: string[] = [];
  const server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    if (req.headers.authorization) authorizations.push(req.headers.authorization);
    req.resume();
    handler(req, res);
  });
  return listen(server, seen, authorizations);
}

export type ProxyKind =
  /** Accepts CONNECT and plain proxy requests, and cuts the connection at once. */
  | 'cuts'
  /** Tunnels CONNECT to the target and forwards plain proxy requests: a working proxy. */
  | 'tunnels';

/**
 * An HTTP proxy on loopback: `HTTPS_PROXY`/`HTTP_PROXY` point at its url. With `loopback`,
 * a tunnelling proxy connects to 127.0.0.1 at the port asked for, whatever the host, so tests
 * can name a host that is not loopback (which must go through the proxy) and never leave it.
 */
export function proxy(kind: ProxyKind, loopback = false): Promise<Listening> {
  const seen: string[] = [];
  const authorizations: string[] = [];
  const server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    if (req.headers.authorization) authorizations.push(req.headers.authorization);
    if (kind === 'cuts') {
      req.socket.destroy();
      return;
    }
    const target = new URL(req.url ?? '/');
    const upstream = connect(Number(target.port || 80), loopback ? '127.0.0.1' : target.hostname, () => {
      const headers = Object.entries(req.headers)
        .filter(([name]) => name !== 'proxy-connection')
        .map(([name, value]) => `${name}: ${String(value)}`)
        .join('\r\n');
      upstream.write(`${req.method} ${target.pathname}${target.search} HTTP/1.1\r\n${headers}\r\nconnection: close\r\n\r\n`);
      req.pipe(upstream);
      upstream.pipe(res.socket as Socket);
    });
    upstream.on('error', () => res.socket?.destroy());
  });
  server.on('connect', (req: IncomingMessage, client: Socket) => {
    seen.push(`CONNECT ${req.url}`);
    if (kind === 'cuts') {
      client.destroy();
      return;
    }
    const [host = '', port = '443'] = (req.url ?? '').split(':');
    const upstream = connect(Number(port), loopback ? '127.0.0.1' : host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  return listen(server, seen, authorizations);
}
