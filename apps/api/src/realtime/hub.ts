import { randomBytes } from "node:crypto";
import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { type ClientMessage, clientMessage, type ServerMessage, USER_CHANNEL } from "@tradeboard/contracts";
import { type WebSocket, WebSocketServer } from "ws";

export interface HubOptions {
  /** Browser origins allowed to open a socket; requests without an Origin (bots, servers) are let in. */
  allowedOrigins: readonly string[];
  /** Who a realtime token belongs to (user, and the session it was issued to), or null. */
  verifyToken(token: string): SocketIdentity | null;
  /** Whether a public channel exists (known market and interval). */
  isKnownChannel(channel: string): boolean;
  /** The latest message of a channel, sent right after subscribing (ticker, current candle). */
  snapshot(channel: string): { type: "ticker" | "candle"; data: unknown } | undefined;
  heartbeatMs?: number;
  /** Above this many unsent bytes a client is "slow": it gets only the latest message per channel. */
  maxBufferedBytes?: number;
  /** A client that stays slow this long is dropped. */
  stuckTimeoutMs?: number;
  /** More invalid messages than this within `invalidWindowMs` close the connection. */
  maxInvalidMessages?: number;
  invalidWindowMs?: number;
  /** More messages of any kind than this within `messageWindowMs` close the connection (1008). */
  maxMessages?: number;
  messageWindowMs?: number;
  /** Open connections one client address may hold; more are refused with 429. */
  maxConnectionsPerAddress?: number;
  /** The client's address (the api's TRUST_PROXY decides whose X-Forwarded-For counts); default the socket's. */
  clientAddress?(request: IncomingMessage): string | undefined;
  now?(): number;
}

export interface SocketIdentity {
  userId: string;
  sessionId: string;
  /** When the token expires (ms); the socket keeps the user channel until then, or until it authenticates again. */
  expiresAt?: number;
}

interface Client {
  socket: WebSocket;
  userId: string | null;
  /** The signed-in session whose token authenticated the socket. */
  sessionId: string | null;
  /** When that token expires (ms), or null. */
  expiresAt: number | null;
  channels: Set<string>;
  alive: boolean;
  /** Conflated messages waiting for the socket to drain: latest per channel. */
  pending: Map<string, Buffer> | null;
  slowSince: number;
  invalid: number;
  invalidSince: number;
  messages: number;
  messagesSince: number;
  /** The payload of the ping waiting for its pong; only that pong counts. */
  ping: Buffer | null;
  address: string;
}

const PATH = "/ws";
/** Close code of a socket whose signed-in session ended (4000–4999: the application's own). */
export const SESSION_ENDED_CLOSE_CODE = 4001;
const TEXT_FRAME = { binary: false } as const;
/** Socket writes per event-loop turn. */
const FANOUT_SLICE = 500;
/** Private events kept for a slow reader at most; beyond that it is dropped. */
const MAX_PENDING = 1_000;
/** Queued fan-outs beyond which tickers are coalesced. */
const FANOUT_BACKLOG = 200;

interface FanoutJob {
  channel: string;
  text: Buffer;
  clients: Client[];
  next: number;
}

/**
 * One WebSocket endpoint for live market data and private user events. Each
 * message is serialized once and the same string is written to every
 * subscriber; slow readers are conflated, then dropped, so they cannot make the
 * process buffer without bound or delay anyone else.
 */
export class RealtimeHub {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 16 * 1024, perMessageDeflate: false });
  private readonly subscribers = new Map<string, Set<Client>>();
  private readonly userClients = new Map<string, Set<Client>>();
  private readonly seqs = new Map<string, number>();
  private readonly slow = new Set<Client>();
  private readonly clients = new Map<WebSocket, Client>();
  private readonly allowed: Set<string>;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly options: Required<Omit<HubOptions, "clientAddress" | "now">> & Pick<HubOptions, "clientAddress">;
  private readonly now: () => number;
  /** Open connections per client address. */
  private readonly perAddress = new Map<string, number>();

  constructor(options: HubOptions) {
    this.options = {
      heartbeatMs: 15_000,
      maxBufferedBytes: 256 * 1024,
      stuckTimeoutMs: 10_000,
      maxInvalidMessages: 20,
      invalidWindowMs: 10_000,
      maxMessages: 100,
      messageWindowMs: 10_000,
      maxConnectionsPerAddress: 50,
      ...options,
    };
    this.now = options.now ?? Date.now;
    this.allowed = new Set(options.allowedOrigins.map((o) => new URL(o).origin));
    this.timers.push(setInterval(() => this.heartbeat(), this.options.heartbeatMs).unref());
    this.timers.push(setInterval(() => this.drainSlow(), 50).unref());
  }

  get connectionCount(): number {
    return this.wss.clients.size;
  }

  /** Users whose private sequence number is kept: only those with a socket. */
  get trackedUserCount(): number {
    let count = 0;
    for (const key of this.seqs.keys()) if (key.startsWith(`${USER_CHANNEL}:`)) count++;
    return count;
  }

  /** Connections currently conflated because they read slower than we publish. */
  get slowConnectionCount(): number {
    return this.slow.size;
  }

  /** `other` may take an upgrade first (other WebSocket endpoints); what it leaves, the hub answers. */
  attach(server: Server, other?: (request: IncomingMessage, socket: Duplex, head: Buffer) => boolean): void {
    server.on("upgrade", (request, socket, head) => {
      if (other?.(request, socket, head)) return;
      this.upgrade(request, socket, head);
    });
  }

  /**
   * Queues a public channel message for its subscribers; returns its sequence
   * number. It is serialized once here; the writes happen in slices so that a
   * fan-out to thousands of sockets never blocks the event loop for long.
   */
  publish(channel: string, type: "ticker" | "candle", data: unknown): number {
    const seq = (this.seqs.get(channel) ?? 0) + 1;
    this.seqs.set(channel, seq);
    const clients = this.subscribers.get(channel);
    if (!clients || clients.size === 0) return seq;
    // Encoded once: ws would otherwise turn the string into bytes again for every socket.
    const text = Buffer.from(JSON.stringify({ type, channel, seq, data }));
    const waiting = type === "ticker" && this.fanout.length > FANOUT_BACKLOG ? this.unstarted.get(channel) : undefined;
    if (waiting) {
      // Overloaded: a ticker nobody has received yet is replaced by the newer one.
      waiting.text = text;
      return seq;
    }
    const job: FanoutJob = { channel, text, clients: [...clients], next: 0 };
    this.fanout.push(job);
    if (type === "ticker") this.unstarted.set(channel, job);
    if (!this.draining) {
      this.draining = true;
      setImmediate(this.drainFanout);
    }
    return seq;
  }

  private readonly fanout: FanoutJob[] = [];
  /** Queued ticker jobs not yet started, by channel (for coalescing under overload). */
  private readonly unstarted = new Map<string, FanoutJob>();
  private draining = false;

  private readonly drainFanout = (): void => {
    let budget = FANOUT_SLICE;
    while (budget > 0) {
      const job = this.fanout[0];
      if (!job) break;
      if (job.next === 0 && this.unstarted.get(job.channel) === job) this.unstarted.delete(job.channel);
      while (job.next < job.clients.length && budget > 0) {
        const client = job.clients[job.next++];
        budget--;
        if (client?.channels.has(job.channel)) this.send(client, job.channel, job.text);
      }
      if (job.next >= job.clients.length) this.fanout.shift();
    }
    if (this.fanout.length > 0) setImmediate(this.drainFanout);
    else this.draining = false;
  };

  /** Sends a private event to every connection of one user that subscribed to `user`. */
  publishToUser(userId: string, data: { kind: string } & Record<string, unknown>): void {
    // Numbered only while the user has a socket: the map does not grow with every user ever seen,
    // and a socket that comes later starts from what `subscribed` tells it.
    const clients = this.userClients.get(userId);
    if (!clients) return;
    const key = `${USER_CHANNEL}:${userId}`;
    const seq = (this.seqs.get(key) ?? 0) + 1;
    this.seqs.set(key, seq);
    const text = JSON.stringify({ type: "event", channel: USER_CHANNEL, seq, data });
    // Private events are never conflated away: each one matters (a slow reader keeps them, up to a bound).
    const bytes = Buffer.from(text);
    for (const client of clients) if (client.channels.has(USER_CHANNEL)) this.send(client, `${key}#${seq}`, bytes);
  }

  /** Whether any socket here holds this user's channel. */
  hasUser(userId: string): boolean {
    return this.userClients.has(userId);
  }

  /**
   * A user's sessions ended (signed out, ended from Settings, password
   * changed): their sockets are told and closed, so the private channel stops
   * at once. Without `sessionIds`, every socket of the user.
   */
  endUserSessions(userId: string, sessionIds?: readonly string[]): number {
    const clients = this.userClients.get(userId);
    if (!clients) return 0;
    const ended = sessionIds ? new Set(sessionIds) : null;
    let closed = 0;
    for (const client of [...clients]) {
      if (ended && (!client.sessionId || !ended.has(client.sessionId))) continue;
      this.reply(client, { type: "error", code: "unauthorized", channel: USER_CHANNEL, message: "session ended" });
      // Off the user's list now, not when the close handshake ends: nothing private is sent after this.
      this.deauthenticate(client);
      client.socket.close(SESSION_ENDED_CLOSE_CODE, "session ended");
      closed++;
    }
    return closed;
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    for (const socket of this.wss.clients) socket.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(request.url ?? "/", "http://localhost");
    if (url.pathname !== PATH) return refuse(socket, 404, "Not Found");
    const origin = request.headers.origin;
    if (origin !== undefined && !this.allowed.has(origin)) return refuse(socket, 403, "Forbidden");
    const token = url.searchParams.get("token");
    const identity = token ? this.options.verifyToken(token) : null;
    if (token && !identity) return refuse(socket, 401, "Unauthorized");
    const address = this.options.clientAddress?.(request) ?? request.socket.remoteAddress ?? "unknown";
    if ((this.perAddress.get(address) ?? 0) >= this.options.maxConnectionsPerAddress) {
      return refuse(socket, 429, "Too Many Requests");
    }
    this.wss.handleUpgrade(request, socket, head, (ws) => this.connected(ws, identity, address));
  }

  private connected(socket: WebSocket, identity: SocketIdentity | null, address: string): void {
    const client: Client = {
      socket,
      userId: null,
      sessionId: null,
      expiresAt: null,
      channels: new Set(),
      alive: true,
      pending: null,
      slowSince: 0,
      invalid: 0,
      invalidSince: 0,
      messages: 0,
      messagesSince: this.now(),
      ping: null,
      address,
    };
    this.clients.set(socket, client);
    this.perAddress.set(address, (this.perAddress.get(address) ?? 0) + 1);
    if (identity) this.authenticate(client, identity);
    socket.on("pong", (data) => {
      // Only the answer to our own ping: a client that never reads cannot know its payload.
      if (client.ping?.equals(data)) {
        client.alive = true;
        client.ping = null;
      }
    });
    socket.on("message", (raw, isBinary) => this.receive(client, raw.toString(), isBinary));
    socket.on("close", () => this.disconnected(client));
    socket.on("error", () => socket.terminate());
    this.reply(client, { type: "welcome", heartbeatMs: this.options.heartbeatMs, authenticated: identity !== null });
  }

  private receive(client: Client, raw: string, isBinary: boolean): void {
    if (client.socket.readyState !== client.socket.OPEN) return;
    const now = this.now();
    if (now - client.messagesSince >= this.options.messageWindowMs) {
      client.messagesSince = now;
      client.messages = 0;
    }
    if (++client.messages > this.options.maxMessages) {
      client.socket.close(1008, "too many messages");
      return;
    }
    let message: ClientMessage;
    try {
      const parsed = clientMessage.safeParse(isBinary ? undefined : JSON.parse(raw));
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        return this.invalid(client, `${issue?.path.join(".") || "message"}: ${issue?.message ?? "invalid"}`);
      }
      message = parsed.data;
    } catch {
      return this.invalid(client, "messages must be JSON text");
    }
    switch (message.type) {
      case "ping":
        return this.reply(client, { type: "pong", id: message.id, time: this.now() });
      case "auth": {
        const identity = this.options.verifyToken(message.token);
        if (!identity)
          return this.reply(client, { type: "error", code: "unauthorized", message: "invalid or expired token" });
        const userId = identity.userId;
        if (client.userId && client.userId !== userId) {
          return this.reply(client, {
            type: "error",
            code: "forbidden",
            message: "this connection belongs to another user",
          });
        }
        this.authenticate(client, identity);
        return this.reply(client, { type: "authenticated", userId });
      }
      case "subscribe":
        for (const channel of message.channels) this.subscribe(client, channel);
        return;
      case "unsubscribe":
        for (const channel of message.channels) {
          this.unsubscribe(client, channel);
          this.reply(client, { type: "unsubscribed", channel });
        }
        return;
    }
  }

  private subscribe(client: Client, channel: string): void {
    if (channel === USER_CHANNEL) {
      if (!client.userId) {
        return this.reply(client, {
          type: "error",
          code: "unauthorized",
          channel,
          message: "the user channel needs a token from GET /api/realtime/token",
        });
      }
      client.channels.add(channel);
      return this.reply(client, {
        type: "subscribed",
        channel,
        seq: this.seqs.get(`${USER_CHANNEL}:${client.userId}`) ?? 0,
      });
    }
    if (!this.options.isKnownChannel(channel)) {
      return this.reply(client, { type: "error", code: "not_found", channel, message: `no such channel: ${channel}` });
    }
    client.channels.add(channel);
    addTo(this.subscribers, channel, client);
    const seq = this.seqs.get(channel) ?? 0;
    this.reply(client, { type: "subscribed", channel, seq });
    const snapshot = this.options.snapshot(channel);
    if (snapshot)
      this.send(
        client,
        channel,
        Buffer.from(JSON.stringify({ type: snapshot.type, channel, seq, data: snapshot.data })),
      );
  }

  private unsubscribe(client: Client, channel: string): void {
    client.channels.delete(channel);
    client.pending?.delete(channel);
    const set = this.subscribers.get(channel);
    set?.delete(client);
    if (set?.size === 0) this.subscribers.delete(channel);
  }

  private authenticate(client: Client, identity: SocketIdentity): void {
    client.userId = identity.userId;
    client.sessionId = identity.sessionId;
    client.expiresAt = identity.expiresAt ?? null;
    addTo(this.userClients, identity.userId, client);
  }

  /** Takes the user channel away from a socket; the user's sequence is forgotten with its last socket. */
  private deauthenticate(client: Client): void {
    const userId = client.userId;
    client.channels.delete(USER_CHANNEL);
    client.userId = null;
    client.sessionId = null;
    client.expiresAt = null;
    if (!userId) return;
    const set = this.userClients.get(userId);
    set?.delete(client);
    if (!set || set.size === 0) {
      this.userClients.delete(userId);
      this.seqs.delete(`${USER_CHANNEL}:${userId}`);
    }
  }

  /**
   * A token lasts REALTIME_TOKEN_TTL_SECONDS; so does the user channel it
   * opened. Past that the socket must send `auth` with a new token (which needs
   * a live session and an existing user), else it keeps only public channels.
   */
  private expireTokens(now: number): void {
    for (const client of this.clients.values()) {
      if (client.userId && client.expiresAt !== null && client.expiresAt <= now) {
        const message = "the token expired: send auth with a new token from GET /api/realtime/token";
        this.reply(client, { type: "error", code: "token_expired", channel: USER_CHANNEL, message });
        this.deauthenticate(client);
      }
    }
  }

  private invalid(client: Client, detail: string): void {
    const now = this.now();
    if (now - client.invalidSince > this.options.invalidWindowMs) {
      client.invalidSince = now;
      client.invalid = 0;
    }
    client.invalid += 1;
    if (client.invalid > this.options.maxInvalidMessages) {
      client.socket.close(1008, "too many invalid messages");
      return;
    }
    this.reply(client, { type: "error", code: "invalid_message", message: detail });
  }

  /** Every write to a client goes through here, replies too, so a reader that falls behind is always noticed. */
  private send(client: Client, channel: string, text: Buffer): void {
    if (client.pending || client.socket.bufferedAmount > this.options.maxBufferedBytes) {
      // Slow reader: keep only the newest message of each channel until it catches up.
      client.pending ??= new Map();
      client.pending.set(channel, text);
      this.markSlow(client);
      if (client.pending.size > MAX_PENDING) this.drop(client);
      return;
    }
    client.socket.send(text, TEXT_FRAME);
  }

  private markSlow(client: Client): void {
    if (!this.slow.has(client)) {
      client.slowSince = this.now();
      this.slow.add(client);
    }
  }

  private drop(client: Client): void {
    this.slow.delete(client);
    client.pending = null;
    client.socket.terminate();
  }

  private drainSlow(): void {
    const now = this.now();
    for (const client of this.slow) {
      if (client.socket.bufferedAmount <= this.options.maxBufferedBytes) {
        const pending = client.pending;
        client.pending = null;
        this.slow.delete(client);
        if (pending) for (const text of pending.values()) client.socket.send(text, TEXT_FRAME);
      } else if (now - client.slowSince > this.options.stuckTimeoutMs) {
        this.drop(client);
      }
    }
  }

  private heartbeat(): void {
    this.expireTokens(this.now());
    for (const [socket, client] of this.clients) {
      if (!client.alive) {
        socket.terminate();
        continue;
      }
      client.alive = false;
      client.ping = randomBytes(8);
      socket.ping(client.ping);
    }
  }

  private disconnected(client: Client): void {
    if (!this.clients.delete(client.socket)) return;
    const open = (this.perAddress.get(client.address) ?? 1) - 1;
    if (open > 0) this.perAddress.set(client.address, open);
    else this.perAddress.delete(client.address);
    for (const channel of [...client.channels]) this.unsubscribe(client, channel);
    this.slow.delete(client);
    this.deauthenticate(client);
  }

  /**
   * Answers a client's own message. While the client is not reading, answers
   * are not queued: it is slow, and dropped if it stays so.
   */
  private reply(client: Client, message: ServerMessage): void {
    if (client.pending || client.socket.bufferedAmount > this.options.maxBufferedBytes) {
      this.markSlow(client);
      return;
    }
    client.socket.send(JSON.stringify(message));
  }
}

function addTo<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  const set = map.get(key);
  if (set) set.add(value);
  else map.set(key, new Set([value]));
}

function refuse(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
