import { z } from "zod";

export const roles = ["user", "admin"] as const;
export type Role = (typeof roles)[number];

export const PASSWORD_MIN_LENGTH = 10;
/** Long passphrases are welcome; the cap only bounds the hashing work per request. */
export const PASSWORD_MAX_LENGTH = 1024;

export const email = z
  .string({ error: "email is required" })
  .trim()
  .toLowerCase()
  .max(254, "email is too long")
  .pipe(z.email({ error: "enter a valid email address" }));

export const password = z
  .string({ error: "password is required" })
  .min(PASSWORD_MIN_LENGTH, `password must be at least ${PASSWORD_MIN_LENGTH} characters`)
  .max(PASSWORD_MAX_LENGTH, `password must be at most ${PASSWORD_MAX_LENGTH} characters`);

export const displayName = z
  .string({ error: "name is required" })
  .trim()
  .min(1, "name is required")
  .max(100, "name must be at most 100 characters");

/** POST /api/users */
export const registerBody = z.strictObject({ name: displayName, email, password });
export type RegisterBody = z.infer<typeof registerBody>;

export const userResponse = z.object({
  id: z.uuid(),
  name: z.string(),
  /** Null for an account opened by signing in with a wallet. */
  email: z.string().nullable(),
  role: z.enum(roles),
  createdAt: z.iso.datetime(),
});
export type UserResponse = z.infer<typeof userResponse>;

/** GET /api/users (admin) */
export const listUsersQuery = z.strictObject({
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
});
export type ListUsersQuery = z.infer<typeof listUsersQuery>;

export const listUsersResponse = z.object({
  users: z.array(userResponse),
  page: z.number().int(),
  pageSize: z.number().int(),
  total: z.number().int(),
});
export type ListUsersResponse = z.infer<typeof listUsersResponse>;

/**
 * POST /api/internal/auth/verify-password — called by the web app's Credentials
 * provider with the service key. Any string is accepted as a password attempt so
 * that a wrong one and a malformed one answer the same.
 */
export const verifyPasswordBody = z.strictObject({
  email: z.string().trim().toLowerCase().max(254),
  password: z.string().max(PASSWORD_MAX_LENGTH),
  /** The client address as the web app saw it, for throttling. */
  ip: z.string().max(100).optional(),
});
export type VerifyPasswordBody = z.infer<typeof verifyPasswordBody>;

export const verifyPasswordResponse = z.object({ user: userResponse });
