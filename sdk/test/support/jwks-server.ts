import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JWK } from 'jose';

/** A real JWKS endpoint on 127.0.0.1 (ephemeral port) that counts its hits. */
export class JwksServer {
  /** What GET /jwks.json answers; a string is sent as is (to publish garbage). */
  document: { keys: JWK[] } | string;
  hits = 0;
  #server: Server | undefined;
  #port = 0;

  constructor(keys: JWK[]) {
    this.document = { keys };
  }

  get url(): string {
    return `http://127.0.0.1:${this.#port}/jwks.json`;
  }

  /** Starts listening, on the same port as before when restarted. */
  async start(): Promise<this> {
    const server = createServer((req, res) => {
      this.hits += 1;
      const body =
        typeof this.document === 'string' ? this.document : JSON.stringify(this.document);
      res.writeHead(req.url === '/jwks.json' ? 200 : 404, { 'content-type': 'application/json' });
      res.end(body);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#port, '127.0.0.1', resolve);
    });
    this.#port = (server.address() as AddressInfo).port;
    this.#server = server;
    return this;
  }

  /** Stops listening and drops open connections: the issuer is unreachable. */
  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
