/**
 * The api tests run on PGlite always, and on Postgres and Redis only when
 * DATABASE_URL and REDIS_URL are set (the deadlock retry and the shared rate
 * limits have no other test). So that a run without them never passes for a
 * full one, the run says which it used, before and after the tests.
 */
export function databasesLine(env: NodeJS.ProcessEnv = process.env): string {
  const ran = ["PGlite"];
  const skipped: string[] = [];
  if (env.DATABASE_URL) ran.push("Postgres (DATABASE_URL)");
  else skipped.push("Postgres: NOT run (DATABASE_URL unset)");
  if (env.REDIS_URL) ran.push("Redis (REDIS_URL)");
  else skipped.push("Redis: NOT run (REDIS_URL unset)");
  return [`api tests ran on: ${ran.join(", ")}`, ...skipped].join("\n");
}

export default function setup(): () => void {
  const line = databasesLine();
  console.log(`\n${line}\n`);
  return () => console.log(`\n${line}\n`);
}
