import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  Decimal,
  isDecimalString,
  normalizeDecimalString,
  summarizeFills,
  toDecimal,
  toDecimalString,
} from "../src/index.ts";

describe("decimal strings", () => {
  it.each(["0", "1", "64123.50", "0.000000000000000001", "100000", "123456789012345678901234567890"])(
    "accepts %s",
    (value) => expect(isDecimalString(value)).toBe(true),
  );

  it.each([
    "",
    " 1",
    "1 ",
    "-1",
    "+1",
    "1e5",
    "01",
    ".5",
    "5.",
    "1.0000000000000000001",
    "NaN",
    "Infinity",
    "0x10",
    "1,5",
  ])("refuses %j", (value) => expect(isDecimalString(value)).toBe(false));

  it("adds without the float error", () => {
    // 0.1 + 0.2 is 0.30000000000000004 in floats; exactly 0.3 here
    expect(toDecimal("0.1").plus(toDecimal("0.2")).toFixed()).toBe("0.3");
  });

  it("rounds half to even at the last cent", () => {
    expect(toDecimalString(new Decimal("0.125"), 2)).toBe("0.12");
    expect(toDecimalString(new Decimal("0.135"), 2)).toBe("0.14");
    expect(toDecimalString(new Decimal("100000"), 2)).toBe("100000.00");
  });

  it("never prints exponent notation", () => {
    expect(toDecimalString(new Decimal("0.00000001"), 8)).toBe("0.00000001");
    expect(toDecimalString(new Decimal("1e21"), 2)).toBe("1000000000000000000000.00");
  });

  it("normalizes database NUMERIC output", () => {
    expect(normalizeDecimalString("100000.000000000000000000")).toBe("100000");
    expect(normalizeDecimalString("0.500000000000000000")).toBe("0.5");
    expect(normalizeDecimalString("-0.000000000000000000")).toBe("0");
    expect(normalizeDecimalString("-12.340")).toBe("-12.34");
  });

  it("normalizes any NUMERIC text exactly as decimal.js writes the same value", () => {
    const digits = (max: number) => fc.stringMatching(new RegExp(`^[0-9]{0,${max}}$`));
    const numericText = fc
      .tuple(
        fc.constantFrom("", "-"),
        fc.stringMatching(/^0{0,3}$/),
        fc.stringMatching(/^[0-9]{1,38}$/),
        fc.option(digits(18)),
      )
      .map(([sign, zeros, int, frac]) => `${sign}${zeros}${int}${frac === null ? "" : `.${frac}`}`);
    fc.assert(
      fc.property(numericText, (text) => {
        expect(normalizeDecimalString(text)).toBe(new Decimal(text).toFixed());
      }),
      { numRuns: 2000 },
    );
  });

  it("round-trips any cent amount exactly", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 20n }), (cents) => {
        const text = `${cents / 100n}.${(cents % 100n).toString().padStart(2, "0")}`;
        expect(toDecimalString(toDecimal(text), 2)).toBe(text);
      }),
    );
  });

  it("sums of cents are exact and order independent", () => {
    fc.assert(
      fc.property(fc.array(fc.bigInt({ min: 0n, max: 10n ** 12n }), { maxLength: 50 }), (parts) => {
        const asText = parts.map((c) => `${c / 100n}.${(c % 100n).toString().padStart(2, "0")}`);
        const forward = asText.reduce((sum, p) => sum.plus(toDecimal(p)), new Decimal(0));
        const backward = [...asText].reverse().reduce((sum, p) => sum.plus(toDecimal(p)), new Decimal(0));
        const expected = parts.reduce((a, b) => a + b, 0n);
        expect(forward.equals(backward)).toBe(true);
        expect(forward.times(100).toFixed()).toBe(expected.toString());
      }),
    );
  });
});

describe("summarizeFills", () => {
  const units = (text: string) => {
    const [whole, decimals = ""] = text.split(".");
    return BigInt(whole + decimals.padEnd(18, "0"));
  };
  const fromUnits = (value: bigint) => {
    const digits = value.toString().padStart(19, "0");
    const text = `${digits.slice(0, -18)}.${digits.slice(-18)}`.replace(/\.?0+$/, "");
    return text === "" ? "0" : text;
  };
  const amount = fc
    .tuple(fc.bigInt({ min: 0n, max: 10n ** 12n }), fc.bigInt({ min: 0n, max: 10n ** 18n - 1n }))
    .map(([whole, part]) => fromUnits(whole * 10n ** 18n + part));

  it("is the sum of the quantities and the weighted average cut to 18 places, as integers in units of 10^-18 give them", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ price: amount, quantity: amount.filter((q) => q !== "0") }), {
          minLength: 1,
          maxLength: 6,
        }),
        (fills) => {
          const value = fills.reduce((sum, f) => sum + units(f.price) * units(f.quantity), 0n);
          const filled = fills.reduce((sum, f) => sum + units(f.quantity), 0n);
          expect(summarizeFills(fills)).toEqual({
            quantity: fromUnits(filled),
            averagePrice: fromUnits(value / filled),
          });
        },
      ),
    );
  });

  it("is one fill's own price, and null before any fill", () => {
    expect(summarizeFills([{ price: "64123.50", quantity: "0.001" }])).toEqual({
      quantity: "0.001",
      averagePrice: "64123.5",
    });
    expect(
      summarizeFills([
        { price: "3000", quantity: "1" },
        { price: "3001", quantity: "2" },
      ]),
    ).toEqual({ quantity: "3", averagePrice: "3000.666666666666666666" });
    expect(summarizeFills([])).toEqual({ quantity: "0", averagePrice: null });
  });
});
