import type { Database } from "@tradeboard/db";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserChanges } from "../src/auth/user-changes.ts";
import { openTestDatabase } from "./helpers/database.ts";
import { until } from "./helpers/venue-server.ts";

/** When UserChanges decides that its listen is lost and makes it anew. */
describe("the listen for user changes", () => {
  let database: Database;
  beforeAll(async () => {
    database = await openTestDatabase("pglite");
  });
  afterAll(async () => {
    await database?.close();
  });

  it("keeps its listen while the database is only busy (a long statement holds the heartbeats back)", async () => {
    const logged: string[] = [];
    const changes = await UserChanges.start({
      database,
      heartbeatMs: 20,
      relistenAfterMs: 100,
      log: (message) => logged.push(message),
    });
    try {
      await until(() => changes.heardUpTo() > 0, "a first heartbeat");
      // PGlite runs in this thread: nothing else happens here for the half second.
      await database.db.execute(sql`select pg_sleep(0.5)`);
      const heard = changes.heardUpTo();
      await until(() => changes.heardUpTo() > heard, "a heartbeat after the busy spell");
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(changes.epoch).toBe(1);
      expect(logged).toEqual([]);
    } finally {
      await changes.close();
    }
  });

  it("listens anew when its heartbeats are sent but never come back", async () => {
    // The first listen goes deaf, as one whose connection is gone without a word; later ones hear.
    let deaf = false;
    let listens = 0;
    const losing: Database = {
      ...database,
      listen: (channel, onMessage, onListening) => {
        listens += 1;
        const first = listens === 1;
        return database.listen(
          channel,
          (payload) => {
            if (!(first && deaf)) onMessage(payload);
          },
          onListening,
        );
      },
    };
    const changes = await UserChanges.start({ database: losing, heartbeatMs: 20, relistenAfterMs: 100 });
    try {
      await until(() => changes.heardUpTo() > 0, "a first heartbeat");
      deaf = true;
      await until(() => changes.epoch === 2, "a listen made anew");
      const heard = changes.heardUpTo();
      await until(() => changes.heardUpTo() > heard, "a heartbeat on the new listen");
    } finally {
      await changes.close();
    }
  });
});
