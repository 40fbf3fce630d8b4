import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Decimal, type TriggerDirection, TriggerIndex } from "../src/index.ts";

describe("TriggerIndex", () => {
  it("fires what the price reaches, lowest rise and highest fall first, ties in insertion order", () => {
    const index = new TriggerIndex<string>();
    index.add("sell-105", "BTC-USD", "rise", "105", "sell-105");
    index.add("sell-101", "BTC-USD", "rise", "101", "sell-101");
    index.add("sell-101b", "BTC-USD", "rise", "101.00", "sell-101b");
    index.add("buy-95", "BTC-USD", "fall", "95", "buy-95");
    index.add("buy-99", "BTC-USD", "fall", "99", "buy-99");
    index.add("eth", "ETH-USD", "rise", "1", "eth");
    expect(index.fire("BTC-USD", "100")).toEqual([]);
    // 102 reaches both 101s (in the order they came), not 105
    expect(index.fire("BTC-USD", "102")).toEqual(["sell-101", "sell-101b"]);
    // 94 gapped through 99 and 95: the nearer one first
    expect(index.fire("BTC-USD", "94")).toEqual(["buy-99", "buy-95"]);
    expect(index.fire("BTC-USD", "94")).toEqual([]);
    expect(index.size).toBe(2);
    expect(index.remove("sell-105")).toBe("sell-105");
    expect(index.fire("BTC-USD", "1000")).toEqual([]);
    expect(index.has("eth")).toBe(true);
  });

  it("fires exactly the crossed entries, in price-time order, like a scan of everything would", () => {
    const entry = fc.record({
      direction: fc.constantFrom<TriggerDirection>("rise", "fall"),
      cents: fc.integer({ min: 1, max: 2_000 }),
    });
    const step = fc.oneof(
      fc.record({ kind: fc.constant("add" as const), entry }),
      fc.record({ kind: fc.constant("remove" as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant("tick" as const), cents: fc.integer({ min: 1, max: 2_000 }) }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 300 }), (steps) => {
        const index = new TriggerIndex<string>();
        // The model: every live entry in insertion order, scanned in full.
        let live: { id: string; direction: TriggerDirection; threshold: Decimal; seq: number }[] = [];
        let next = 0;
        for (const s of steps) {
          if (s.kind === "add") {
            const id = `e${next}`;
            const threshold = new Decimal(s.entry.cents).div(100);
            index.add(id, "X", s.entry.direction, threshold.toFixed(2), id);
            live.push({ id, direction: s.entry.direction, threshold, seq: next++ });
          } else if (s.kind === "remove") {
            const victim = live[s.pick % Math.max(1, live.length)];
            if (!victim) continue;
            expect(index.remove(victim.id)).toBe(victim.id);
            live = live.filter((e) => e !== victim);
          } else {
            const price = new Decimal(s.cents).div(100);
            const crossed = live.filter((e) =>
              e.direction === "rise" ? price.greaterThanOrEqualTo(e.threshold) : price.lessThanOrEqualTo(e.threshold),
            );
            const order = (d: TriggerDirection) =>
              crossed
                .filter((e) => e.direction === d)
                .sort(
                  (a, b) =>
                    (d === "rise" ? a.threshold.comparedTo(b.threshold) : b.threshold.comparedTo(a.threshold)) ||
                    a.seq - b.seq,
                )
                .map((e) => e.id);
            expect(index.fire("X", price)).toEqual([...order("rise"), ...order("fall")]);
            live = live.filter((e) => !crossed.includes(e));
          }
          expect(index.size).toBe(live.length);
        }
      }),
      { numRuns: 300 },
    );
  });
});
