import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type WebSocket, WebSocketServer } from "ws";

export type Answer = { status?: number; body: unknown };

/** An answer the test gives later: `release(answer)` sends it. */
export function held(): { promise: Promise<Answer>; release: (answer: Answer) => void } {
  let release: (answer: Answer) => void = () => {};
  const promise = new Promise<Answer>((resolve) => {
    release = resolve;
  });
  return { promise, release };
}

/**
 * A local stand-in for a venue's public endpoints: a WebSocket server that
 * replays the messages a test hands it (text exactly as the venue documents
 * it) and records what the adapter sends, and an HTTP server whose answers the
 * test sets per path. Both listen on 127.0.0.1, port 0.
 */
export class VenueServer {
  readonly received: { connection: number; message: unknown }[] = [];
  readonly connectionUrls: string[] = [];
  readonly requests: string[] = [];
  private readonly wss: WebSocketServer;
  private readonly http: Server;
  private sockets: WebSocket[] = [];
  private routes: { prefix: string; answer: (url: URL) => Answer | Promise<Answer> }[] = [];
  /** Sends these on every new connection right after the client's first message (a subscription). */
  onSubscribe: ((connection: number, message: unknown) => string[] | undefined) | undefined;

  private constructor() {
    this.wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
    this.http = createServer((req, res) => this.answer(req, res));
    this.wss.on("connection", (socket, request) => {
      const connection = this.connectionUrls.length;
      this.connectionUrls.push(request.url ?? "/");
      this.sockets.push(socket);
      socket.on("message", (raw) => {
        let message: unknown;
        try {
          message = JSON.parse(raw.toString());
        } catch {
          message = raw.toString();
        }
        this.received.push({ connection, message });
        const replies = this.onSubscribe?.(connection, message);
        for (const reply of replies ?? []) socket.send(reply);
      });
    });
  }

  static async start(): Promise<VenueServer> {
    const server = new VenueServer();
    await new Promise<void>((resolve) => server.http.listen(0, "127.0.0.1", resolve));
    if (!server.wss.address()) await new Promise((resolve) => server.wss.once("listening", resolve));
    return server;
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${(this.wss.address() as AddressInfo).port}`;
  }

  get restUrl(): string {
    return `http://127.0.0.1:${(this.http.address() as AddressInfo).port}`;
  }

  get connections(): number {
    return this.connectionUrls.length;
  }

  /** Answers GET requests whose path starts with `prefix`. */
  route(prefix: string, answer: (url: URL) => Answer | Promise<Answer>): void {
    this.routes = [{ prefix, answer }, ...this.routes.filter((r) => r.prefix !== prefix)];
  }

  /** Sends to the newest open connection. */
  send(...messages: (string | object)[]): void {
    const socket = this.sockets.at(-1);
    if (!socket || socket.readyState !== socket.OPEN) throw new Error("no open connection");
    for (const message of messages) socket.send(typeof message === "string" ? message : JSON.stringify(message));
  }

  /** Drops the newest connection without a closing handshake, as a network failure would. */
  drop(): void {
    this.sockets.at(-1)?.terminate();
  }

  isOpen(): boolean {
    const socket = this.sockets.at(-1);
    return !!socket && socket.readyState === socket.OPEN;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.terminate();
    await new Promise((resolve) => this.wss.close(resolve));
    this.http.closeAllConnections();
    await new Promise((resolve) => this.http.close(resolve));
  }

  /** Pings the newest connection at the WebSocket level; resolves with the pong. */
  ping(): Promise<void> {
    const socket = this.sockets.at(-1);
    if (!socket) throw new Error("no connection");
    return new Promise((resolve) => {
      socket.once("pong", () => resolve());
      socket.ping();
    });
  }

  private async answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", this.restUrl);
    this.requests.push(`${url.pathname}${url.search}`);
    const route = this.routes.find((r) => url.pathname.startsWith(r.prefix));
    const { status = 200, body } = route ? await route.answer(url) : { status: 404, body: { error: "not found" } };
    res.writeHead(status, { "content-type": "application/json" });
    res.end(typeof body === "string" ? body : JSON.stringify(body));
  }
}

/** Polls until `check` holds (no timing assertion: it fails only when the condition never holds). */
export async function until(
  check: () => boolean | Promise<boolean>,
  what = "condition",
  timeoutMs = 10_000,
): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
