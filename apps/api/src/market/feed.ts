import { readFileSync } from "node:fs";
import { type MarketSpec, RandomWalk, type Tick } from "@tradeboard/core";
import { z } from "zod";

/**
 * Where prices come from. The api starts one feed; it calls `emit` for every
 * trade-like tick. Live exchange adapters implement the same interface.
 */
export interface MarketFeed {
  readonly kind: "simulated" | "replay" | "manual";
  /** `lastPrices` are where history ended, so a simulated walk continues from there. */
  start(emit: (tick: Tick) => void, lastPrices: ReadonlyMap<string, string>): void;
  stop(): void;
}

/** A seeded random walk per market, stepping every market `ticksPerSecond` times a second. */
export class SimulatedFeed implements MarketFeed {
  readonly kind = "simulated";
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
