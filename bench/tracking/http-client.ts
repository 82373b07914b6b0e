/**
 * @module A minimal HTTP/1.1 keep-alive client for the load generator: one socket, one request at
 * a time, requests written as prebuilt text, responses framed by Content-Length. Node's fetch
 * (undici) costs ~260 us of client CPU per request on the 2-core benchmark machine (measured: one
 * fetch client at 0.99 cores drove 3,800 GET /health per second while the server sat at 0.29), so
 * with fetch the clients, not the server, would set the log-metric numbers. This is what
 * wrk/autocannon do; `--client fetch` switches back for comparison.
 */
import { connect, type Socket } from 'node:net';

export interface HttpResponse {
  status: number;
  body: string;
}

export class KeepAliveClient {
  private socket: Socket;
  private buf: Buffer = Buffer.alloc(0);
  private pending?: { resolve: (r: HttpResponse) => void; reject: (e: Error) => void };
  private readonly hostHeader: string;

  /** `authorization`: the header's value on every request (a server started with --auth). */
  constructor(baseUrl: string, authorization?: string) {
    const url = new URL(baseUrl);
    this.hostHeader = authorization ? `${url.host}\r\nAuthorization: ${authorization}` : url.host;
    this.socket = connect({ host: url.hostname, port: Number(url.port), noDelay: true });
    this.socket.on('data', (chunk) => this.onData(chunk));
    this.socket.on('error', (e) => this.fail(e));
    this.socket.on('close', () => this.fail(new Error('connection closed')));
  }

  /** A Buffer body goes as `contentType` (the binary metric batch), a string body as JSON. */
  request(method: 'GET' | 'POST', path: string, body?: string | Buffer, contentType = 'application/json'): Promise<HttpResponse> {
    if (this.pending) throw new Error('one request at a time');
    const head = body === undefined
      ? `${method} ${path} HTTP/1.1\r\nHost: ${this.hostHeader}\r\nConnection: keep-alive\r\n\r\n`
      : `${method} ${path} HTTP/1.1\r\nHost: ${this.hostHeader}\r\nConnection: keep-alive\r\nContent-Type: ${contentType}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      if (typeof body === 'string' || body === undefined) this.socket.write(body === undefined ? head : head + body);
      else this.socket.write(Buffer.concat([Buffer.from(head, 'latin1'), body]));
    });
  }

  close(): void {
    this.socket.removeAllListeners('close');
    this.socket.destroy();
  }

  // A large answer (a 275 kB search page) arrives in many chunks: they are kept in a list and
  // joined once it is complete, not concatenated chunk by chunk.
  private chunks: Buffer[] = [];
  private have = 0;
  private need = -1;

  private onData(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.have += chunk.length;
    if (this.need >= 0 && this.have < this.need) return;
    this.buf = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    this.chunks = [this.buf];
    const end = this.buf.indexOf('\r\n\r\n');
    if (end < 0 || !this.pending) return;
    const head = this.buf.subarray(0, end).toString('latin1');
    const m = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (!m) return this.fail(new Error(`response without Content-Length: ${head.slice(0, 200)}`));
    const total = end + 4 + Number(m[1]);
    this.need = total;
    if (this.buf.length < total) return;
    const status = Number(head.slice(9, 12));
    const body = this.buf.subarray(end + 4, total).toString('utf8');
    this.buf = this.buf.subarray(total);
    this.chunks = this.buf.length ? [this.buf] : [];
    this.have = this.buf.length;
    this.need = -1;
    const p = this.pending;
    this.pending = undefined;
    p.resolve({ status, body });
  }

  private fail(e: Error): void {
    const p = this.pending;
    this.pending = undefined;
    p?.reject(e);
  }
}
