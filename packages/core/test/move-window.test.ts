import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Decimal, MoveWindow } from "../src/index.ts";

describe("MoveWindow", () => {
  it("measures the move from the window's low and high, by hand", () => {
    const window = new MoveWindow(5 * 60_000);
    window.add(0, "100");
    window.add(60_000, "104");
    // up 4 % from the low of 100
    expect(window.movePercent("104").toFixed()).toBe("4");
    window.add(120_000, "95");
    // down from the high of 104 to 95: 9 / 104 = 8.653846…%
    expect(window.movePercent("95").toFixed(4)).toBe("8.6538");
    window.add(400_000, "96"); // the 100 and 104 have left the 5-minute window
    expect(window.low?.toFixed()).toBe("95");
    expect(window.high?.toFixed()).toBe("96");
  });

  it("agrees with a scan of every tick still in the window", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ gap: fc.integer({ min: 0, max: 90_000 }), cents: fc.integer({ min: 1, max: 100_000 }) }), {
          minLength: 1,
          maxLength: 300,
        }),
        fc.constantFrom(60_000, 300_000, 3_600_000),
        (steps, length) => {
          const window = new MoveWindow(length);
          const seen: { time: number; price: Decimal }[] = [];
          let time = 1_700_000_000_000;
          for (const step of steps) {
            time += step.gap;
            const price = new Decimal(step.cents).div(100);
            window.add(time, price);
            seen.push({ time, price });
            // What the window holds: every tick whose second still overlaps it.
            const inside = seen
              .filter((s) => Math.floor(s.time / 1000) * 1000 + 1000 > time - length)
              .map((s) => s.price);
            expect(window.low?.equals(Decimal.min(...inside))).toBe(true);
            expect(window.high?.equals(Decimal.max(...inside))).toBe(true);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
