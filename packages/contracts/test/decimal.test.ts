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
});
