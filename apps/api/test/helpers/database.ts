import { randomBytes } from "node:crypto";
import { type Database, openDatabase } from "@tradeboard/db";
import postgres from "postgres";

export type TestDriver = "pglite" | "postgres";

/** PGlite always; Postgres too when DATABASE_URL is set (as in CI). */
export const testDrivers: TestDriver[] = process.env.DATABASE_URL ? ["pglite", "postgres"] : ["pglite"];

/**
 * A fresh, migrated database for one test file: PGlite in memory, or a new
 * Postgres database created beside DATABASE_URL's and dropped on close.
 */
export async function openTestDatabase(driver: TestDriver): Promise<Database> {
  if (driver === "pglite") {
    const database = await openDatabase({ memory: true });
    await database.migrate();
    return database;
  }
  const baseUrl = process.env.DATABASE_URL;
  if (!baseUrl) throw new Error("DATABASE_URL is not set");
  const name = `tradeboard_test_${randomBytes(6).toString("hex")}`;
  const admin = postgres(baseUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase({ url: url.toString() });
  await database.migrate();
  return {
    ...database,
    async close() {
      await database.close();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}
