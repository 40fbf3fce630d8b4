import { describe, expect, it } from "vitest";
import { assetDecimals, formatAmount } from "../src/index.ts";

describe("formatAmount", () => {
  it.each([
    ["100000.000000000000000000", "USD", "100000.00"],
    ["0.5", "USD", "0.50"],
    ["0.005", "USD", "0.005"], // a sub-cent remainder is shown, never rounded away
    ["1.000000000000000000", "BTC", "1.00000000"],
    ["0.000000012", "BTC", "0.000000012"],
    ["0", "DOGE", "0.00000000"],
  ])("%s %s → %s", (value, asset, expected) => expect(formatAmount(value, asset)).toBe(expected));

  it("knows the cent", () => expect(assetDecimals("USD")).toBe(2));
});
