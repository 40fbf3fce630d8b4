import { Validator } from "@seriousme/openapi-schema-validator";
import type { Database } from "@tradeboard/db";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isUndocumented } from "../src/openapi.ts";
import { testApp } from "./helpers/app.ts";
import { openTestDatabase } from "./helpers/database.ts";

/** Every (method, path) Fastify has, read from its own route tree (`printRoutes`). */
function registeredRoutes(tree: string): { method: string; url: string }[] {
  const routes: { method: string; url: string }[] = [];
  const stack: string[] = [];
  for (const line of tree.split("\n")) {
    const match = /^([│├└─\s]*)(\S.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!match) continue;
    const depth = Math.floor((match[1] ?? "").length / 4);
    stack.length = depth;
    stack.push(match[2] ?? "");
    const url = stack.join("");
    for (const method of (match[3] ?? "")
      .split(",")
      .map((m) => m.trim())
      .filter(Boolean))
      routes.push({ method, url });
  }
  return routes;
}

describe("the OpenAPI document of the native api", () => {
  let database: Database;
  let app: FastifyInstance;

  beforeAll(async () => {
    database = await openTestDatabase("pglite");
    ({ app } = await testApp(database));
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await database?.close();
  });

  it("is a valid OpenAPI 3.1 document", async () => {
    const res = await app.inject({ method: "GET", url: "/api/openapi.json" });
    expect(res.statusCode).toBe(200);
    const document = res.json();
    expect(document.openapi).toBe("3.1.0");
    const result = await new Validator().validate(document);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it("has exactly the routes Fastify has registered under /api (internal, test and docs files aside)", async () => {
    const document = (await app.inject({ method: "GET", url: "/api/openapi.json" })).json();
    const documented = Object.entries(document.paths as Record<string, Record<string, unknown>>)
      .flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`))
      .sort();
    const registered = registeredRoutes(app.printRoutes({ commonPrefix: false }))
      .filter((r) => !isUndocumented(r.method, r.url) && r.method !== "OPTIONS")
      .map((r) => `${r.method} ${r.url.replace(/:([A-Za-z0-9_]+)/g, "{$1}")}`)
      .sort();
    expect(registered.length).toBeGreaterThan(30);
    expect(documented).toEqual(registered);
    expect(documented).toContain("POST /api/trades");
    expect(documented).toContain("DELETE /api/api-keys/{id}");
  });

  it("describes requests from the routes' zod schemas: bodies, queries, path parameters, decimal strings", async () => {
    const document = (await app.inject({ method: "GET", url: "/api/openapi.json" })).json();
    const place = document.paths["/api/trades"].post;
    const body = place.requestBody.content["application/json"].schema;
    expect(body.required).toEqual(expect.arrayContaining(["symbol", "side", "type"]));
    expect(body.properties.side.enum).toEqual(["buy", "sell"]);
    expect(body.properties.quantity).toMatchObject({ type: "string" });
    expect(place.responses["201"].content["application/json"].schema.properties.fills.type).toBe("array");
    const list = document.paths["/api/trades"].get;
    expect(list.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`)).toEqual(
      expect.arrayContaining(["query:symbol", "query:limit", "query:offset"]),
    );
    const cancel = document.paths["/api/trades/{id}"].delete;
    expect(cancel.parameters).toEqual([expect.objectContaining({ in: "path", name: "id", required: true })]);
    expect(document.paths["/api/api-keys"].post.security).toEqual([{ session: [] }]);
    expect(document.components.securitySchemes).toHaveProperty("apiKeyId");
  });

  it("serves an interactive reference at /api/docs", async () => {
    const res = await app.inject({ method: "GET", url: "/api/docs" });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/text\/html/);
    expect(res.body).toContain("/api/openapi.json");
    const script = /src="([^"]+scalar\.js)"/.exec(res.body)?.[1];
    expect(script).toBeDefined();
    const js = await app.inject({ method: "GET", url: new URL(script as string, "http://api/api/docs").pathname });
    expect(js.statusCode).toBe(200);
    expect(js.headers["content-type"]).toMatch(/javascript/);
  });
});
