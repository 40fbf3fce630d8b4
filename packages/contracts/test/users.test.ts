import { describe, expect, it } from "vitest";
import { fieldErrors, listUsersQuery, registerBody, verifyPasswordBody } from "../src/index.ts";

const valid = { name: "Ada Lovelace", email: "ada@example.com", password: "analytical engine" };

function errorsOf(input: unknown) {
  const result = registerBody.safeParse(input);
  return result.success ? {} : fieldErrors(result.error);
}

describe("registerBody", () => {
  it("trims and lower-cases the email and trims the name", () => {
    expect(registerBody.parse({ ...valid, email: "  Ada@Example.COM ", name: "  Ada  " })).toEqual({
      ...valid,
      name: "Ada",
    });
  });

  it("keeps the password exactly as typed, spaces included", () => {
    expect(registerBody.parse({ ...valid, password: "  spaced out  " }).password).toBe("  spaced out  ");
  });

  it.each([
    [9, false],
    [10, true],
    [128, true],
    [1024, true],
    [1025, false],
  ])("a password of %i characters is accepted: %s", (length, ok) => {
    expect(registerBody.safeParse({ ...valid, password: "p".repeat(length) }).success).toBe(ok);
  });

  it("accepts any Unicode password unchanged", () => {
    const password = "pässwörd 🔐 密码 long";
    expect(registerBody.parse({ ...valid, password }).password).toBe(password);
  });

  it("names each bad field", () => {
    expect(errorsOf({ name: " ", email: "nope", password: "short" })).toEqual({
      name: "name is required",
      email: "enter a valid email address",
      password: "password must be at least 10 characters",
    });
  });

  it("refuses missing fields, wrong types and extra keys", () => {
    expect(errorsOf({})).toMatchObject({ name: "name is required", email: "email is required" });
    expect(errorsOf({ ...valid, password: 1234567890 })).toHaveProperty("password");
    expect(Object.keys(errorsOf({ ...valid, role: "admin" }))).toEqual(["_"]);
  });
});

describe("listUsersQuery", () => {
  it("defaults to the first page of 20", () => {
    expect(listUsersQuery.parse({})).toEqual({ page: 1, pageSize: 20 });
  });

  it("reads query-string numbers", () => {
    expect(listUsersQuery.parse({ page: "3", pageSize: "10" })).toEqual({ page: 3, pageSize: 10 });
  });

  it.each([{ page: "0" }, { page: "abc" }, { pageSize: "101" }, { pageSize: "1.5" }, { sort: "name" }])(
    "refuses %j",
    (query) => expect(listUsersQuery.safeParse(query).success).toBe(false),
  );
});

describe("verifyPasswordBody", () => {
  it("accepts any password attempt so wrong and malformed answer alike", () => {
    expect(verifyPasswordBody.safeParse({ email: "x", password: "" }).success).toBe(true);
  });
});
