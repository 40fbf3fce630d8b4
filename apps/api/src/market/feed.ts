import { readFileSync } from "node:fs";
import type { Candle, CandleInterval, MarketSpec, Tick } from "@tradeboard/core";
import { RandomWalk } from "@tradeboard/core";
import { z } from "zod";
import type { BookSnapshot } from "./order-book.ts";

export type FeedKind = "simulated" | "replay" | "manual" | "coinbase" | "binance" | "kraken";

/**
 * Why a market is stale: the venue has not answered yet (`connecting`), cannot
 * be reached (`unreachable`), the connection dropped (`disconnected`), no
 * message came for MARKET_STALE_SECONDS (`no_data`), or a detected gap is
 * being repaired (`resync`).
 */
export type StaleReason = "connecting" | "unreachable" | "disconnected" | "no_data" | "resync";

export interface MarketStatus {
  stale: boolean;
  reason: StaleReason | null;
}

export interface FeedConnection {
  state: "connecting" | "connected" | "unreachable";
  /** What the log says, for the page: "Coinbase is unreachable (ENOTFOUND); retrying in 8 s". */
  message: string | null;
}

/** What a live feed tells the market service besides trades. */
export interface FeedHooks {
  /** A market turned stale or fresh (called on transitions only). */
  status?(symbol: string, status: MarketStatus): void;
  connection?(connection: FeedConnection): void;
  /**
   * Trades of this market were missed since `since` (ms; a jump in the
   * venue's trade ids) while the connection stayed up: the prices are right,
   * but the candles of those minutes must come again from the venue.
   */
  gap?(symbol: string, since: number): void;
}

/**
 * Where prices come from. The api starts one feed; it calls `emit` for every
 * trade. The simulated, replay and manual feeds never go stale; the venue
 * adapters (Coinbase, Binance, Kraken) report staleness through `hooks`, serve
 * the venue's own one-minute candles through `history`, and keep the venue's
 * order book (`book`) for the execution engine.
 */
export interface MarketFeed {
  readonly kind: FeedKind;
  /** Where prices come from, as the page names it: "Simulated", "Coinbase". */
  readonly source: string;
  /** `lastPrices` are where history ended, so a simulated walk continues from there. */
  start(emit: (tick: Tick) => void, lastPrices: ReadonlyMap<string, string>, hooks?: FeedHooks): void;
  stop(): void;
  /** The venue's name of a market and the asset it really quotes in ("BTCUSDT", "USDT"). */
  venueMarket?(symbol: string): { venueSymbol: string; quote: string } | undefined;
  /** The venue's one-minute candles with open times in [fromMs, toMs), oldest first (paged as the venue requires). */
  history?(symbol: string, fromMs: number, toMs: number): Promise<Candle[]>;
  /**
   * The venue's own candles of a coarser interval, for the part of the window
   * its one-minute history does not reach (Kraken keeps only 720 of each).
   */
  coarseHistory?(symbol: string, interval: CandleInterval, fromMs: number, toMs: number): Promise<Candle[]>;
  /** The venue's order book as last synchronised, best levels first; undefined while it is being resynchronised. */
  book?(symbol: string, depth?: number): BookSnapshot | undefined;
}

/** A seeded random walk per market, stepping every market `ticksPerSecond` times a second. */
export class SimulatedFeed implements MarketFeed {
  readonly kind = "simulated";
  readonly source = "Simulated";
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly specs: readonly MarketSpec[],
    private readonly options: { seed: string; ticksPerSecond: number; now?: () => number },
  ) {}

  start(emit: (tick: Tick) => void, lastPrices: ReadonlyMap<string, string>): void {
    const now = this.options.now ?? Date.now;
    const walks = this.specs.map(
      (spec) =>
        new RandomWalk(spec, {
          seed: `${this.options.seed}:${spec.symbol}:live`,
          startPrice: lastPrices.get(spec.symbol),
        }),
    );
    this.timer = setInterval(() => {
      const time = now();
      for (const walk of walks) emit(walk.step(time));
    }, 1000 / this.options.ticksPerSecond);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

const recordedTick = z.object({
  symbol: z.string(),
  price: z.string(),
  quantity: z.string(),
  /** Milliseconds after the start of the recording. */
  offsetMs: z.number().int().min(0),
});

/**
 * Plays recorded ticks (JSON lines) in real time, looping, stamped with the
 * current time. The seam for exchange adapters: the same ticks a live
 * connection would produce, from a file.
 */
export class ReplayFeed implements MarketFeed {
  readonly kind = "replay";
  readonly source = "Replay";
  private timer: NodeJS.Timeout | undefined;
  private readonly ticks: z.infer<typeof recordedTick>[];

  constructor(file: string, knownSymbols: ReadonlySet<string>) {
    this.ticks = readFileSync(file, "utf8")
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map((line, index) => {
        const parsed = recordedTick.safeParse(JSON.parse(line));
        if (!parsed.success) throw new Error(`${file}:${index + 1}: ${parsed.error.issues[0]?.message}`);
        return parsed.data;
      })
      .filter((tick) => knownSymbols.has(tick.symbol))
      .sort((a, b) => a.offsetMs - b.offsetMs);
    if (this.ticks.length === 0) throw new Error(`${file} holds no ticks for a known market`);
  }

  start(emit: (tick: Tick) => void): void {
    const duration = (this.ticks.at(-1)?.offsetMs ?? 0) + 1000;
    let loopStart = Date.now();
    let index = 0;
    const play = () => {
      const elapsed = Date.now() - loopStart;
      for (let tick = this.ticks[index]; tick && tick.offsetMs <= elapsed; tick = this.ticks[++index]) {
        emit({ symbol: tick.symbol, price: tick.price, quantity: tick.quantity, time: Date.now() });
      }
      if (elapsed >= duration) {
        loopStart = Date.now();
        index = 0;
      }
    };
    this.timer = setInterval(play, 50);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/**
 * Prices set by hand, for tests only: configuration allows it only when
 * NODE_ENV=test, so a normal start can never run on it.
 */
export class ManualFeed implements MarketFeed {
  readonly kind = "manual";
  readonly source = "Manual";
  private emit: ((tick: Tick) => void) | undefined;

  constructor(private readonly now: () => number = Date.now) {}

  start(emit: (tick: Tick) => void): void {
    this.emit = emit;
  }

  stop(): void {
    this.emit = undefined;
  }

  /** Trades `quantity` at `price` now (or at `time`). */
  trade(symbol: string, price: string, options: { quantity?: string; time?: number } = {}): void {
    if (!this.emit) throw new Error("the manual feed is not started");
    this.emit({ symbol, price, quantity: options.quantity ?? "0", time: options.time ?? this.now() });
  }
}
