/**
 * The trigger index's cost per tick with 1 thousand and 1 million resting entries
 * (the same number fired each tick), against a linear scan of the million, in the
 * same run. (Orders over HTTP are measured against pgbench in orders.bench.ts.)
 */
import { writeFileSync } from "node:fs";
import { Decimal, TriggerIndex } from "@tradeboard/core";

const FIRED_PER_TICK = 10;

// --- trigger index ------------------------------------------------------------------------

function fillIndex(size: number): TriggerIndex<number> {
  const index = new TriggerIndex<number>();
  for (let i = 0; i < size; i++) {
    // Buy limits below 60000 and sell limits above it, a cent apart.
    const below = i % 2 === 0;
    const cents = 6_000_000 + (below ? -1 : 1) * (1 + Math.floor(i / 2));
    index.add(`o${i}`, "BTC-USD", below ? "fall" : "rise", new Decimal(cents).div(100).toFixed(2), i);
  }
  return index;
}

/** Microseconds per tick that fires FIRED_PER_TICK entries (which are then put back, keeping the size). */
function timeIndex(index: TriggerIndex<number>, ticks: number): number {
  let next = 10_000_000;
  const start = process.hrtime.bigint();
  for (let t = 0; t < ticks; t++) {
    // A price FIRED_PER_TICK cents into the sell side fires exactly that many.
    const fired = index.fire("BTC-USD", new Decimal(6_000_000 + FIRED_PER_TICK).div(100));
    if (fired.length !== FIRED_PER_TICK) throw new Error(`fired ${fired.length}`);
    for (let k = 1; k <= FIRED_PER_TICK; k++)
      index.add(`n${next++}`, "BTC-USD", "rise", new Decimal(6_000_000 + k).div(100).toFixed(2), 0);
  }
  return Number(process.hrtime.bigint() - start) / 1000 / ticks;
}

function timeLinearScan(size: number, ticks: number): number {
  const entries = Array.from({ length: size }, (_, i) => {
    const below = i % 2 === 0;
    return { below, threshold: new Decimal(6_000_000 + (below ? -1 : 1) * (1 + Math.floor(i / 2))).div(100) };
  });
  const start = process.hrtime.bigint();
  for (let t = 0; t < ticks; t++) {
    const price = new Decimal(6_000_000 + FIRED_PER_TICK).div(100);
    let fired = 0;
    for (const e of entries)
      if (e.below ? price.lessThanOrEqualTo(e.threshold) : price.greaterThanOrEqualTo(e.threshold)) fired++;
    if (fired !== FIRED_PER_TICK) throw new Error(`scan fired ${fired}`);
  }
  return Number(process.hrtime.bigint() - start) / 1000 / ticks;
}

const small = timeIndex(fillIndex(1_000), 2_000);
const large = timeIndex(fillIndex(1_000_000), 2_000);
const scan = timeLinearScan(1_000_000, 5);

const ratio = (a: number, b: number) => (a / b).toFixed(2);
const report = `# trading.bench — ${new Date().toISOString()}

## Trigger index, per tick firing ${FIRED_PER_TICK} entries

| resting entries | µs per tick | ratio |
| --- | ---: | ---: |
| 1,000 | ${small.toFixed(1)} | 1.00 |
| 1,000,000 | ${large.toFixed(1)} | ${ratio(large, small)} (target ≤ 2) |
| 1,000,000, linear scan (baseline) | ${scan.toFixed(0)} | scan / index = **${ratio(scan, large)}×** (target ≥ 100) |

Orders over HTTP against pgbench: orders.bench.ts (bench/results/orders.md).
`;
console.log(report);
writeFileSync(new URL("./results/trigger-index.md", import.meta.url), report);
