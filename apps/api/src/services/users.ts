import type { ListUsersQuery, RegisterBody } from "@tradeboard/contracts";
import { QUOTE_ASSET } from "@tradeboard/core";
import {
  type Db,
  findUserByEmail,
  insertUser,
  isUniqueViolation,
  listUsers,
  postLedgerEntry,
  type UserRow,
} from "@tradeboard/db";
import { AppError } from "../errors.ts";
import type { LoginThrottle } from "./login-throttle.ts";
import { hashPassword, verifyPassword } from "./passwords.ts";
import type { WindowLimiter } from "./rate-limit.ts";

export interface UsersDeps {
  db: Db;
  initialBalance: string;
  throttle: LoginThrottle;
  /** Sign-up attempts per client address: each one costs an argon2id hash. */
  registrations: WindowLimiter;
}

/**
 * Inside the caller's transaction: the user row and the starting paper balance
 * as its first ledger entry. Every way of opening an account goes through here.
 */
export async function openAccount(
  tx: Db,
  params: { user: Parameters<typeof insertUser>[1]; initialBalance: string },
): Promise<UserRow> {
  const user = await insertUser(tx, params.user);
  await postLedgerEntry(tx, {
    userId: user.id,
    asset: QUOTE_ASSET,
    kind: "initial_deposit",
    availableDelta: params.initialBalance,
    reference: "paper account opened",
  });
  return user;
}

/** Creates the account and credits the starting paper balance as its first ledger entry, atomically. */
export async function registerUser(
  deps: Pick<UsersDeps, "db" | "initialBalance">,
  body: RegisterBody,
  options: { role?: UserRow["role"] } = {},
): Promise<UserRow> {
  const passwordHash = await hashPassword(body.password);
  try {
    return await deps.db.transaction((tx) =>
      openAccount(tx, {
        user: { email: body.email, name: body.name, passwordHash, role: options.role },
        initialBalance: deps.initialBalance,
      }),
    );
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new AppError("email_taken", "An account with this email already exists.", {
        fields: { email: "an account with this email already exists" },
      });
    }
    throw error;
  }
}

/** Counts a sign-up attempt from `ip`; refuses it (429, with the wait) once the address used up its allowance. */
export function admitRegistration(deps: Pick<UsersDeps, "registrations">, ip: string): void {
  const wait = deps.registrations.take(ip);
  if (wait > 0) {
    throw new AppError("rate_limited", `Too many sign-ups from your network. Try again in ${formatWait(wait)}.`, {
      retryAfterSeconds: wait,
    });
  }
}

/**
 * Checks an email and password. Unknown email and wrong password answer the
 * same, in about the same time; repeated failures are throttled per email and
 * address pair, per address, and (far higher) per email (see LoginThrottle).
 */
export async function checkCredentials(
  deps: UsersDeps,
  attempt: { email: string; password: string; ip?: string },
): Promise<UserRow> {
  const wait = deps.throttle.retryAfterSeconds(attempt.email, attempt.ip);
  if (wait > 0) {
    throw new AppError("rate_limited", `Too many failed sign-ins. Try again in ${formatWait(wait)}.`, {
      retryAfterSeconds: wait,
    });
  }
  const user = await findUserByEmail(deps.db, attempt.email);
  const ok = await verifyPassword(user?.passwordHash ?? null, attempt.password);
  if (!user || !ok) {
    deps.throttle.recordFailure(attempt.email, attempt.ip);
    throw new AppError("invalid_credentials", "Wrong email or password.");
  }
  deps.throttle.recordSuccess(attempt.email, attempt.ip);
  return user;
}

function formatWait(seconds: number): string {
  return seconds < 90 ? `${seconds} seconds` : `${Math.ceil(seconds / 60)} minutes`;
}

export async function listUsersPage(deps: Pick<UsersDeps, "db">, query: ListUsersQuery) {
  const { rows, total } = await listUsers(deps.db, {
    limit: query.pageSize,
    offset: (query.page - 1) * query.pageSize,
  });
  return { rows, total, page: query.page, pageSize: query.pageSize };
}

export const DEMO_ACCOUNT = { email: "demo@tradeboard.dev", password: "tradeboard-demo", name: "Demo Trader" } as const;

/** Development convenience: a demo administrator, created once. */
export async function seedDemoAccount(deps: Pick<UsersDeps, "db" | "initialBalance">): Promise<"created" | "exists"> {
  if (await findUserByEmail(deps.db, DEMO_ACCOUNT.email)) return "exists";
  try {
    await registerUser(deps, DEMO_ACCOUNT, { role: "admin" });
    return "created";
  } catch (error) {
    if (error instanceof AppError && error.code === "email_taken") return "exists";
    throw error;
  }
}
