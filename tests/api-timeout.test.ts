import { createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningSystem, startSystem } from "./helpers/system.ts";

/** An api that accepts connections and never answers: the forward must give up and say so. */
describe("a forwarded request to an api that hangs", () => {
  let hanging: Server;
  const sockets: Socket[] = [];
  let system: RunningSystem;

  beforeAll(async () => {
    hanging = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => hanging.listen(0, "127.0.0.1", resolve));
    const address = hanging.address();
    if (!address || typeof address === "string") throw new Error("no address");
    system = await startSystem({
      webEnv: { API_URL: `http://127.0.0.1:${address.port}`, API_TIMEOUT_MS: "1500" },
    });
  });
  afterAll(async () => {
    await system?.stop();
    for (const socket of sockets) socket.destroy();
    hanging?.close();
  });

  it("answers backend_unavailable JSON after the timeout", async () => {
    const response = await fetch(`${system.webUrl}/api/users/me`);
    expect([502, 503]).toContain(response.status);
    expect(response.headers.get("content-type")).toContain("application/json");
    await expect(response.json()).resolves.toMatchObject({
      error: { code: "backend_unavailable", message: expect.stringContaining("too long") },
    });
  });
});
