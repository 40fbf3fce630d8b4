import { describe, expect, it } from "vitest";
import { z } from "zod";
import { decimalString, fieldErrors } from "../src/index.ts";

const body = z.object({ price: decimalString });

describe("decimalString", () => {
  it("passes a decimal string through untouched", () => {
    expect(body.parse({ price: "64123.50" })).toEqual({ price: "64123.50" });
  });

  it("refuses a JSON number and says to send a string", () => {
    const result = body.safeParse({ price: 64123.5 });
    expect(result.success).toBe(false);
    if (!result.success) expect(fieldErrors(result.error).price).toMatch(/decimal strings/);
  });

  it.each(["-1", "1e3", "", " 1", "abc", "1.", null, true])("refuses %j", (price) => {
    expect(body.safeParse({ price }).success).toBe(false);
  });

  it("takes what numeric(38,18) holds: 20 digits before the point, 18 after", () => {
    const biggest = `${"9".repeat(20)}.${"9".repeat(18)}`;
    expect(body.parse({ price: biggest })).toEqual({ price: biggest });
  });

  it.each([`1${"0".repeat(20)}`, `${"9".repeat(21)}.5`, `1.${"0".repeat(18)}1`])(
    "refuses %s as out of range",
    (price) => {
      const result = body.safeParse({ price });
      expect(result.success).toBe(false);
      if (!result.success) expect(fieldErrors(result.error).price).toMatch(/20 digits before the decimal point/);
    },
  );
});
