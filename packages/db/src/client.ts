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
    const db = drizzlePostgres({ client, schema });
    return {
      db,
      driver: "postgres",
      migrate: () => migratePostgres(db, { migrationsFolder }),
      ping: () => ping(db),
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
    close: () => client.close(),
  };
}

async function ping(db: Db): Promise<boolean> {
  try {
    await db.execute(sql`select 1`);
    return true;
  } catch {
    return false;
  }
}
