import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { z } from "zod";

/** What one instance tells the others: these sessions of this user ended. */
const endedMessage = z.object({
  from: z.string(),
  userId: z.uuid(),
  sessionIds: z.array(z.uuid()).min(1).max(10_000),
});

export interface SessionBroadcastHandlers {
  /** Another instance ended these sessions. */
  ended(userId: string, sessionIds: readonly string[]): void;
  /**
   * The subscription was (re)established: ends published while it was down
   * were missed, so every "active" answer held in memory must be asked again.
   */
  resubscribed(): void;
  log(message: string): void;
}

/**
 * Ended sessions travel between api instances over a Redis channel: the
 * instance that ends a session publishes its id, every other instance marks it
 * ended in memory and closes its sockets. A subscriber that was disconnected
 * forgets what it believed active, so nothing missed in between survives the
 * next request.
 */
export class SessionBroadcast {
  readonly #id = randomUUID();
  readonly #publisher: Redis;
  readonly #subscriber: Redis;
  readonly #channel: string;

  private constructor(url: string, prefix: string, handlers: SessionBroadcastHandlers) {
    this.#channel = `${prefix}sessions:ended`;
    this.#publisher = new Redis(url, { commandTimeout: 1_000, maxRetriesPerRequest: 1 });
    this.#subscriber = new Redis(url, { maxRetriesPerRequest: null });
    this.#publisher.on("error", () => {
      // Reported where a publish fails; ioredis reconnects by itself.
    });
    this.#subscriber.on("error", (error: Error) => handlers.log(`session broadcast: ${error.message}`));
    // ioredis re-subscribes after a reconnect and emits "ready" each time.
    this.#subscriber.on("ready", () => handlers.resubscribed());
    this.#subscriber.on("message", (_channel: string, raw: string) => {
      let parsed: z.infer<typeof endedMessage>;
      try {
        parsed = endedMessage.parse(JSON.parse(raw));
      } catch {
        handlers.log("session broadcast: ignored a malformed message");
        return;
      }
      if (parsed.from !== this.#id) handlers.ended(parsed.userId, parsed.sessionIds);
    });
  }

  /**
   * Connects and subscribes; resolves once ends from other instances arrive, or
   * after `waitMs` with Redis still away (the api starts anyway, ioredis keeps
   * trying, and until then other instances' ends reach it by the re-check).
   */
  static async connect(
    url: string,
    prefix: string,
    handlers: SessionBroadcastHandlers,
    waitMs = 2_000,
  ): Promise<SessionBroadcast> {
    const broadcast = new SessionBroadcast(url, prefix, handlers);
    const subscribed = broadcast.#subscriber.subscribe(broadcast.#channel).then(
      () => true,
      () => false,
    );
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), waitMs);
    });
    if (!(await Promise.race([subscribed, waited]))) handlers.log("session broadcast: Redis is not reachable yet");
    clearTimeout(timer);
    return broadcast;
  }

  /** Tells the other instances; a failure is logged by the caller and bounded by their re-check. */
  async publish(userId: string, sessionIds: readonly string[]): Promise<void> {
    await this.#publisher.publish(this.#channel, JSON.stringify({ from: this.#id, userId, sessionIds }));
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.#publisher.quit(), this.#subscriber.quit()]);
  }
}
