/**
 * A local HTTP server for incoming-webhook tests, on 127.0.0.1 with a free
 * port: records every request (method, path, headers, body) and answers with
 * scripted statuses (consumed in order; then 200 "ok").
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HookRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export class TestWebhookServer {
  readonly requests: HookRequest[] = [];
  private statuses: number[] = [];
  port = 0;
  private constructor(private readonly server: Server) {}

  static async start(): Promise<TestWebhookServer> {
    const holder: { self?: TestWebhookServer } = {};
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const self = holder.self!;
        self.requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        const status = self.statuses.shift() ?? 200;
        res.writeHead(status, { 'content-type': 'text/plain' });
        res.end(status === 200 ? 'ok' : `status ${status}`);
      });
    });
    const self = new TestWebhookServer(server);
    holder.self = self;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    self.port = (server.address() as AddressInfo).port;
    return self;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** The next answers, in order. */
  answer(...statuses: number[]): void {
    this.statuses = statuses;
  }

  reset(): void {
    this.requests.length = 0;
    this.statuses = [];
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
