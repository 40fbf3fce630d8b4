import type { Candle } from "./candles.ts";
import { Decimal } from "./decimal.ts";
import { isDecimalString } from "./decimal-string.ts";
import { candleOpenTime, INTERVAL_MS } from "./intervals.ts";
import type { MarketSpec } from "./markets.ts";
import { SeededRandom } from "./random.ts";

export interface Tick {
  symbol: string;
  price: string;
  quantity: string;
  time: number;
}

const SECONDS_PER_YEAR = 365 * 24 * 3600;
/** The walk keeps its price as a whole number of ticks; below this bound a float holds that integer exactly. */
const MAX_TICKS = Number.MAX_SAFE_INTEGER;

/**
 * Amounts as whole numbers of a grid step, so the walk stays exactly on the
 * tick and lot grids; the random model itself may use floats.
 */
class Grid {
  private readonly step: Decimal;
  private readonly places: number;
  private readonly unit: bigint;

  constructor(step: string, name: string) {
    if (!isDecimalString(step) || new Decimal(step).isZero()) {
      throw new RangeError(`${name} must be a positive decimal string, not ${JSON.stringify(step)}`);
    }
    this.step = new Decimal(step);
    this.places = this.step.decimalPlaces();
    this.unit = BigInt(this.step.times(new Decimal(10).pow(this.places)).toFixed(0));
  }

  /** How many steps `value` is (a float: a model input, rounded by the caller). */
  steps(value: string): number {
    return new Decimal(value).div(this.step).toNumber();
  }

  /** `steps` whole steps as a decimal string at the step's precision: 6400000 on "0.01" → "64000.00". */
  format(steps: number): string {
    const scaled = (BigInt(steps) * this.unit).toString().padStart(this.places + 1, "0");
    if (this.places === 0) return scaled;
    return `${scaled.slice(0, -this.places)}.${scaled.slice(-this.places)}`;
  }
}

/**
 * A seeded geometric random walk on the tick grid. Each step moves the price by
 * a normal draw scaled to the elapsed time and the market's volatility; the
 * price never drops below one tick.
 */
export class RandomWalk {
  private readonly random: SeededRandom;
  private readonly priceGrid: Grid;
  private readonly lotGrid: Grid;
  private readonly typicalLots: number;
  private ticks: number;
  private lastTime: number | undefined;

  constructor(
    readonly spec: MarketSpec,
    options: { seed: number | string; startPrice?: string },
  ) {
    this.random = new SeededRandom(options.seed);
    this.priceGrid = new Grid(spec.tickSize, "tickSize");
    this.lotGrid = new Grid(spec.lotSize, "lotSize");
    this.typicalLots = Math.max(1, this.lotGrid.steps(spec.typicalTradeSize));
    // A start price off the grid is snapped to the nearest tick, and to at least one tick.
    this.ticks = clampTicks(Math.round(this.priceGrid.steps(options.startPrice ?? spec.initialPrice)));
  }

  get price(): string {
    return this.priceGrid.format(this.ticks);
  }

  /**
   * One trade at `timeMs`; the move is scaled by the time since the previous
   * step (a quarter second for the first; a millisecond when the clock did not
   * advance or went back, so every step still moves a little).
   */
  step(timeMs: number): Tick {
    const seconds = this.lastTime === undefined ? 0.25 : Math.max(0.001, (timeMs - this.lastTime) / 1000);
    this.lastTime = timeMs;
    this.move(seconds);
    return {
      symbol: this.spec.symbol,
      price: this.price,
      quantity: this.lotGrid.format(this.drawLots(1)),
      time: timeMs,
    };
  }

  /** Moves the price as over `seconds`; returns the new price in ticks. */
  move(seconds: number): number {
    const sigma = this.spec.volatility * Math.sqrt(seconds / SECONDS_PER_YEAR);
    const factor = Math.exp(sigma * this.random.normal() - (sigma * sigma) / 2);
    this.ticks = clampTicks(Math.round(this.ticks * factor));
    return this.ticks;
  }

  /** The current price in ticks. */
  get priceTicks(): number {
    return this.ticks;
  }

  /** A positive whole number of lots: `trades` typical trades of exponentially distributed size. */
  drawLots(trades: number): number {
    const size = -Math.log(1 - this.random.next()) * this.typicalLots * trades;
    return Math.max(1, Math.round(size));
  }

  formatPrice(ticks: number): string {
    return this.priceGrid.format(ticks);
  }

  formatLots(lots: number): string {
    return this.lotGrid.format(lots);
  }
}

/**
 * At least one tick, at most MAX_TICKS. The upper bound is a guard, not a
 * model: the −σ²/2 drift keeps exp() from overflowing for any σ (that needs a
 * normal draw above 37, and Box–Muller on 32-bit uniforms stays below 6.7),
 * but a price that must stay an exact integer gets a hard limit anyway, and a
 * NaN counts as the top rather than reaching BigInt().
 */
function clampTicks(ticks: number): number {
  if (!(ticks <= MAX_TICKS)) return MAX_TICKS;
  return Math.max(1, ticks);
}

/** Sub-steps per simulated minute of history, and the trades each stands for. */
const STEPS_PER_MINUTE = 6;
const TRADES_PER_STEP = 40;

/**
 * One-minute candles from the minute containing `fromMs` up to, not including,
 * the minute containing `toMs`, from the same walk as the live feed, so that
 * charts are full on first start.
 */
export function generateHistory(
  spec: MarketSpec,
  options: { seed: number | string; fromMs: number; toMs: number; startPrice?: string },
): { candles: Candle[]; lastPrice: string } {
  const walk = new RandomWalk(spec, { seed: options.seed, startPrice: options.startPrice });
  const minute = INTERVAL_MS["1m"];
  const end = candleOpenTime(options.toMs, "1m");
  const candles: Candle[] = [];
  const stepSeconds = 60 / STEPS_PER_MINUTE;
  let ticks = walk.priceTicks;
  for (let time = candleOpenTime(options.fromMs, "1m"); time < end; time += minute) {
    const open = ticks;
    let high = ticks;
    let low = ticks;
    let lots = 0;
    for (let i = 0; i < STEPS_PER_MINUTE; i++) {
      ticks = walk.move(stepSeconds);
      if (ticks > high) high = ticks;
      if (ticks < low) low = ticks;
      lots += walk.drawLots(TRADES_PER_STEP);
    }
    candles.push({
      time,
      open: walk.formatPrice(open),
      high: walk.formatPrice(high),
      low: walk.formatPrice(low),
      close: walk.formatPrice(ticks),
      volume: walk.formatLots(lots),
    });
  }
  return { candles, lastPrice: walk.price };
}
