import { z } from "zod";

/** A signed-in session as Settings → Sessions lists it. */
export const sessionResponse = z.object({
  id: z.uuid(),
  /** The browser's User-Agent at sign-in, when it sent one. */
  userAgent: z.string().nullable(),
  createdAt: z.iso.datetime(),
  /** Updated at most once a minute while the session is used. */
  lastSeenAt: z.iso.datetime(),
  /** The session of the request that asked. */
  current: z.boolean(),
});
export type SessionResponse = z.infer<typeof sessionResponse>;

/** GET /api/users/me/sessions */
export const listSessionsResponse = z.object({ sessions: z.array(sessionResponse) });
export type ListSessionsResponse = z.infer<typeof listSessionsResponse>;

export const sessionIdParams = z.strictObject({ id: z.uuid({ error: "id must be a session id" }) });

/** POST /api/users/me/sessions/end-others */
export const endSessionsResponse = z.object({ ended: z.number().int() });
export type EndSessionsResponse = z.infer<typeof endSessionsResponse>;

// --- internal (the web app's Auth.js, with the service key) -------------------------------

/** POST /api/internal/sessions — a session for a user who just signed in. */
export const createSessionBody = z.strictObject({
  userId: z.uuid(),
  /** Cut, not refused: a browser decides its own User-Agent. */
  userAgent: z
    .string()
    .max(4096)
    .transform((v) => v.slice(0, 512))
    .nullable()
    .optional(),
});
export const createSessionResponse = z.object({ sessionId: z.uuid() });
export type CreateSessionResponse = z.infer<typeof createSessionResponse>;

/** POST /api/internal/sessions/end (signing out) and /api/internal/sessions/check. */
export const sessionRefBody = z.strictObject({ sessionId: z.uuid(), userId: z.uuid() });
export type SessionRefBody = z.infer<typeof sessionRefBody>;
export const sessionCheckResponse = z.object({ active: z.boolean() });
