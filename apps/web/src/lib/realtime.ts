import {
  type ClientMessage,
  type RealtimeTokenResponse,
  type ServerMessage,
  USER_CHANNEL,
} from "@tradeboard/contracts";
import { apiRequest } from "./api";
import { readServerMessage } from "./server-message";
import { WS_URL } from "./ws-url";

export type ConnectionStatus = "idle" | "connecting" | "live" | "reconnecting" | "offline";
export type ChannelMessage = Extract<ServerMessage, { type: "ticker" | "candle" | "event" }>;

export interface ChannelListener {
  onMessage(message: ChannelMessage): void;
  /** Messages may have been missed (a sequence gap or a reconnect): refetch over REST. */
  onResync(): void;
}

/** Until the server's welcome says otherwise. */
const DEFAULT_HEARTBEAT_MS = 15_000;
const CHECK_EVERY_MS = 5_000;
const MAX_BACKOFF_MS = 15_000;
/** Failed attempts after which the indicator says "offline" rather than "reconnecting". */
const OFFLINE_AFTER = 6;
/** How long an unused socket stays open, so a page change does not reconnect. */
const IDLE_CLOSE_MS = 10_000;

/**
 * The tab's one WebSocket to the api: opened with the first subscription,
 * shared by every hook, reconnected with back-off and jitter, resubscribed
 * after a reconnect, closed a while after the last subscription goes. Checks
 * every message against the contracts and the per-channel sequence numbers.
 */
class RealtimeClient {
  private socket: WebSocket | null = null;
  private readonly channels = new Map<string, Set<ChannelListener>>();
  private readonly lastSeq = new Map<string, number>();
  private readonly statusListeners = new Set<() => void>();
  private status: ConnectionStatus = "idle";
  private failures = 0;
  private heartbeatMs = DEFAULT_HEARTBEAT_MS;
  private lastMessageAt = 0;
  private lastPingAt = 0;
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private idle: ReturnType<typeof setTimeout> | undefined;
  private everConnected = false;

  getStatus = (): ConnectionStatus => this.status;

  onStatus = (listener: () => void): (() => void) => {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  };

  subscribe(channel: string, listener: ChannelListener): () => void {
    clearTimeout(this.idle);
    let listeners = this.channels.get(channel);
    const isNew = !listeners;
    if (!listeners) {
      listeners = new Set();
      this.channels.set(channel, listeners);
    }
    listeners.add(listener);
    if (isNew && this.socket?.readyState === WebSocket.OPEN) void this.sendSubscribe([channel]);
    this.ensureConnected();
    return () => {
      listeners.delete(listener);
      if (listeners.size > 0 || this.channels.get(channel) !== listeners) return;
      this.channels.delete(channel);
      this.lastSeq.delete(channel);
      this.send({ type: "unsubscribe", channels: [channel] });
      if (this.channels.size === 0) this.idle = setTimeout(this.closeIdle, IDLE_CLOSE_MS);
    };
  }

  /** Reconnect at once, e.g. when the browser comes back online. */
  reconnectNow = (): void => {
    if (this.socket || this.channels.size === 0) return;
    clearTimeout(this.retry);
    this.connect();
  };

  /** The browser lost its network: the socket is as good as gone, and retries wait for "online". */
  goOffline = (): void => {
    if (this.channels.size === 0) return;
    if (this.socket) this.drop(this.socket);
    this.setStatus("offline");
  };

  private closeIdle = (): void => {
    if (this.channels.size > 0) return;
    clearTimeout(this.retry);
    this.retry = undefined;
    const socket = this.socket;
    this.socket = null;
    clearInterval(this.heartbeat);
    socket?.close();
    this.failures = 0;
    this.everConnected = false;
    this.setStatus("idle");
  };

  private ensureConnected(): void {
    if (typeof window === "undefined" || this.socket || this.retry) return;
    this.connect();
  }

  private isOffline(): boolean {
    return (typeof navigator !== "undefined" && navigator.onLine === false) || this.failures >= OFFLINE_AFTER;
  }

  private connect(): void {
    this.retry = undefined;
    if (!this.isOffline()) this.setStatus(this.everConnected ? "reconnecting" : "connecting");
    const socket = new WebSocket(WS_URL);
    this.socket = socket;
    socket.onopen = () => {
      this.lastMessageAt = Date.now();
      this.lastPingAt = Date.now();
      clearInterval(this.heartbeat);
      this.heartbeat = setInterval(() => this.checkHeartbeat(socket), CHECK_EVERY_MS);
    };
    socket.onmessage = (event) => {
      if (this.socket === socket) this.receive(event.data);
    };
    socket.onclose = () => {
      if (this.socket === socket) this.drop(socket);
    };
  }

  /** Gives up on a socket (closed, silent or offline) and schedules the next attempt. */
  private drop(socket: WebSocket): void {
    socket.close();
    this.socket = null;
    clearInterval(this.heartbeat);
    this.failures += 1;
    if (this.channels.size === 0) {
      this.setStatus("idle");
      return;
    }
    this.setStatus(this.isOffline() ? "offline" : "reconnecting");
    const base = Math.min(MAX_BACKOFF_MS, 500 * 2 ** Math.min(this.failures - 1, 10));
    const delay = base / 2 + Math.random() * (base / 2);
    clearTimeout(this.retry);
    this.retry = setTimeout(() => this.connect(), delay);
  }

  private checkHeartbeat(socket: WebSocket): void {
    if (this.socket !== socket) return;
    const now = Date.now();
    if (now - this.lastMessageAt > 2 * this.heartbeatMs) {
      // Nothing at all, not even a pong: a half-open connection can take minutes to report
      // its close, so give it up now rather than wait for the browser.
      this.drop(socket);
      return;
    }
    if (now - this.lastPingAt >= this.heartbeatMs) {
      this.lastPingAt = now;
      this.send({ type: "ping" });
    }
  }

  private receive(raw: unknown): void {
    this.lastMessageAt = Date.now();
    let message: ServerMessage;
    try {
      const parsed = readServerMessage(JSON.parse(String(raw)));
      if ("invalid" in parsed) {
        console.warn("realtime: unexpected message", parsed.invalid);
        return;
      }
      message = parsed;
    } catch {
      console.warn("realtime: message is not JSON");
      return;
    }
    switch (message.type) {
      case "welcome": {
        const reconnected = this.everConnected;
        this.heartbeatMs = Math.min(60_000, Math.max(5_000, message.heartbeatMs));
        this.everConnected = true;
        this.failures = 0;
        this.setStatus("live");
        this.lastSeq.clear();
        void this.sendSubscribe([...this.channels.keys()]);
        // The private channel catches up when it is subscribed (below), which comes later.
        if (reconnected) for (const channel of this.channels.keys()) if (channel !== USER_CHANNEL) this.resync(channel);
        return;
      }
      case "subscribed":
        this.lastSeq.set(message.channel, message.seq);
        // Observable from outside (tests wait for it before moving a price): private events flow from here on.
        if (message.channel === USER_CHANNEL) {
          document.documentElement.dataset.userChannel = "subscribed";
          // Private events are not replayed: what happened before this moment (since the page
          // fetched, or while the socket was away) is refetched over REST.
          this.resync(USER_CHANNEL);
        }
        return;
      case "error":
        // The token that opened the user channel ran out: fetch a new one and carry on (the seq shows any gap).
        if (message.code === "token_expired" && this.channels.has(USER_CHANNEL)) {
          void this.sendSubscribe([USER_CHANNEL]);
          return;
        }
        if (message.channel) console.warn(`realtime: ${message.channel}: ${message.message}`);
        return;
      case "ticker":
      case "candle":
      case "event":
        return this.deliver(message);
      default:
        return;
    }
  }

  private resync(channel: string): void {
    for (const listener of this.channels.get(channel) ?? []) listener.onResync();
  }

  private deliver(message: ChannelMessage): void {
    const listeners = this.channels.get(message.channel);
    if (!listeners) return;
    const previous = this.lastSeq.get(message.channel);
    // The snapshot after `subscribed` repeats its seq; anything older is a duplicate.
    if (previous !== undefined && message.seq < previous) return;
    this.lastSeq.set(message.channel, message.seq);
    const gap = previous !== undefined && message.seq > previous + 1;
    for (const listener of listeners) {
      if (gap) listener.onResync();
      listener.onMessage(message);
    }
  }

  private async sendSubscribe(channels: string[]): Promise<void> {
    const publicChannels = channels.filter((c) => c !== USER_CHANNEL);
    if (publicChannels.length > 0) this.send({ type: "subscribe", channels: publicChannels });
    if (channels.includes(USER_CHANNEL)) {
      try {
        const { token } = await apiRequest<RealtimeTokenResponse>("/api/realtime/token");
        this.send({ type: "auth", token });
        this.send({ type: "subscribe", channels: [USER_CHANNEL] });
      } catch {
        // Signed out or api down: public channels still work.
      }
    }
  }

  private send(message: ClientMessage): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  private setStatus(status: ConnectionStatus): void {
    if (this.status === status) return;
    this.status = status;
    if (status !== "live" && typeof document !== "undefined") delete document.documentElement.dataset.userChannel;
    for (const listener of this.statusListeners) listener();
  }
}

export const realtime = new RealtimeClient();

if (typeof window !== "undefined") {
  window.addEventListener("online", realtime.reconnectNow);
  window.addEventListener("offline", realtime.goOffline);
}
