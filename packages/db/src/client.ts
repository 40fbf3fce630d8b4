import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { sql } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import * as schema from "./schema.ts";

export type Schema = typeof schema;
/** The one database type every query takes: PGlite and Postgres both satisfy it. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type DbDriver = "pglite" | "postgres";

export interface Database {
  db: Db;
  driver: DbDriver;
  /** Applies the pending migrations in `packages/db/migrations`. */
  migrate(): Promise<void>;
  /** True when the database answers a trivial query. */
  ping(): Promise<boolean>;
  /**
   * Refreshes the planner's statistics (ANALYZE). Postgres's autovacuum does it
   * on its own; PGlite has no autovacuum, and without statistics it sorts a
   * user's whole history to show one page.
   */
  analyze(): Promise<void>;
  /**
   * What autovacuum does for Postgres, for PGlite, which has none: refreshes the
   * statistics of each table changed by more than 50 rows plus a tenth of its
   * size since it was last analyzed, and answers their names. Statistics taken
   * on an empty table (a fresh start) make plans that read whole tables as they
   * grow; the api runs this every few seconds.
   */
  analyzeChanged(): Promise<string[]>;
  /**
   * Calls `onMessage` with the payload of every notification on `channel`
   * (Postgres's LISTEN/NOTIFY), and `onListening` each time the listen is
   * established: at first, and again after the connection that listens was
   * lost and made anew (what was sent in between never arrives). Answers how
   * to stop.
   */
  listen(channel: string, onMessage: (payload: string) => void, onListening: () => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export type DatabaseOptions =
  /** Postgres at this URL. */
  | { url: string; maxConnections?: number }
  /** Embedded PGlite, persisted in this folder (created when missing). */
  | { dataDir: string }
  /** Embedded PGlite in memory, gone on close. */
  | { memory: true };

const migrationsFolder = fileURLToPath(new URL("../migrations", import.meta.url));

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if ("url" in options) {
    // Migrations would print NOTICEs (e.g. "schema already exists") through console.log.
    const client = postgres(options.url, { max: options.maxConnections ?? 10, onnotice: () => {} });
    const db = drizzlePostgres({ client: preparingStatements(client), schema });
    return {
      db,
      driver: "postgres",
      migrate: () => migratePostgres(db, { migrationsFolder }),
      ping: () => ping(db),
      analyze: () => analyze(db),
      analyzeChanged: () => analyzeChanged(db),
      // postgres.js listens on a connection of its own and listens again when that connection is made anew.
      listen: async (channel, onMessage, onListening) =>
        (await client.listen(channel, onMessage, onListening)).unlisten,
      close: () => client.end({ timeout: 5 }),
    };
  }
  if ("dataDir" in options) mkdirSync(options.dataDir, { recursive: true });
  const client = "dataDir" in options ? new PGlite(options.dataDir) : new PGlite();
  await client.waitReady;
  const db = drizzlePglite({ client, schema });
  return {
    db,
    driver: "pglite",
    migrate: () => migratePglite(db, { migrationsFolder }),
    ping: () => ping(db),
    analyze: () => analyze(db),
    analyzeChanged: () => analyzeChanged(db),
    // In the process itself: the listen is never lost.
    listen: async (channel, onMessage, onListening) => {
      const unlisten = await client.listen(channel, onMessage);
      onListening();
      return () => unlisten();
    },
    close: () => client.close(),
  };
}

/**
 * Drizzle sends every query it was not asked to name as an unnamed statement,
 * so Postgres parses and plans it again on every call (about twice the time of
 * a small query). This makes queries with parameters server-side prepared
 * statements, as postgres.js does by default: each connection prepares a given
 * SQL text once and then only binds and executes it. The app's statements are a
 * fixed set of texts (lists travel as one array parameter), so the cache stays
 * small. Transactions get the same client.
 */
function preparingStatements(client: postgres.Sql): postgres.Sql {
  return new Proxy(client, {
    get(target, property, receiver) {
      if (property === "unsafe") {
        return (query: string, args?: unknown[], options?: postgres.UnsafeQueryOptions) =>
          target.unsafe(query, args as postgres.ParameterOrJSON<never>[], {
            ...options,
            prepare: (args?.length ?? 0) > 0,
          });
      }
      if (property === "begin") {
        return (...args: unknown[]) => {
          const last = args.length - 1;
          const body = args[last] as (sql: postgres.TransactionSql) => unknown;
          args[last] = (sql: postgres.TransactionSql) =>
            body(preparingStatements(sql as unknown as postgres.Sql) as never);
          return (target.begin as (...a: unknown[]) => unknown)(...args);
        };
      }
      if (property === "savepoint") {
        const savepoint = Reflect.get(target, property, receiver) as ((...a: unknown[]) => unknown) | undefined;
        if (typeof savepoint !== "function") return savepoint;
        return (...args: unknown[]) => {
          const last = args.length - 1;
          const body = args[last] as (sql: postgres.Sql) => unknown;
          args[last] = (sql: postgres.Sql) => body(preparingStatements(sql));
          return savepoint(...args);
        };
      }
      return Reflect.get(target, property, receiver);
    },
  });
}

async function analyze(db: Db): Promise<void> {
  await db.execute(sql`analyze`);
}

/** The rows of `db.execute`: postgres-js answers the rows themselves, PGlite an object holding them. */
export function executedRows<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

async function analyzeChanged(db: Db): Promise<string[]> {
  // The counters reach pg_stat_user_tables when the session reports them, which an always-busy
  // session may not do for a while: report now (at the end of this statement's transaction).
  await db.execute(sql`select pg_stat_force_next_flush()`);
  const result = await db.execute(sql`
    select relname from pg_stat_user_tables
    where schemaname = 'public' and n_mod_since_analyze > 50 + 0.1 * greatest(n_live_tup, 0)
    order by relname`);
  const tables = executedRows<{ relname: string }>(result).map((r) => r.relname);
  if (tables.length > 0)
    await db.execute(
      sql`analyze ${sql.join(
        tables.map((t) => sql.identifier(t)),
        sql`, `,
      )}`,
    );
  return tables;
}

async function ping(db: Db): Promise<boolean> {
  try {
    await db.execute(sql`select 1`);
    return true;
  } catch {
    return false;
  }
}
