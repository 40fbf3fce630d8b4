/** Accounts made for a bench run: fixed ids (so pgbench scripts can pick one at random), money, sessions and their cookies. */
import { encode } from "@auth/core/jwt";
import { type Db, postLedgerEntries, sessions, users } from "@tradeboard/db";

export const SESSION_COOKIE = "authjs.session-token";

/** Account n's user id: a valid uuid whose last 12 digits are n (pgbench builds the same from a number). */
export function accountId(n: number): string {
  return `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
}

/** The signed-in session of account `userId` (one per account, made by seedAccounts). */
function sessionIdOf(userId: string): string {
  return userId.replace("-8000-", "-9000-");
}

/** The same id as a SQL expression of a pgbench variable holding n. */
export function accountIdSql(variable: string): string {
  return `('00000000-0000-4000-8000-' || lpad(:${variable}::text, 12, '0'))::uuid`;
}

/** Accounts 1..count, each with `usd` dollars deposited through the ledger and a signed-in session. */
export async function seedAccounts(db: Db, count: number, usd: string): Promise<string[]> {
  const ids = Array.from({ length: count }, (_, i) => accountId(i + 1));
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    await db
      .insert(users)
      .values(chunk.map((id, k) => ({ id, email: `bench-${i + k + 1}@example.com`, name: `Bench ${i + k + 1}` })));
    await db.insert(sessions).values(chunk.map((userId) => ({ id: sessionIdOf(userId), userId, userAgent: "bench" })));
    await db.transaction((tx) =>
      postLedgerEntries(
        tx,
        chunk.map((userId) => ({ userId, asset: "USD", kind: "initial_deposit" as const, availableDelta: usd })),
      ),
    );
  }
  return ids;
}

/** The session cookie of a seeded account as Auth.js writes it (JWE keyed by the secret, salted with the cookie name). */
export async function sessionCookie(userId: string, secret: string): Promise<string> {
  const token = await encode({
    token: { sub: userId, sid: sessionIdOf(userId) },
    secret,
    salt: SESSION_COOKIE,
    maxAge: 24 * 3600,
  });
  return `${SESSION_COOKIE}=${token}`;
}
