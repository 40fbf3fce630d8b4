import "server-only";
import type { CreateSessionResponse } from "@tradeboard/contracts";
import { callInternal } from "@/lib/backend";

/** A session at the api for a user who just signed in; null when the api cannot be reached. */
export async function createSession(userId: string, userAgent: string | null): Promise<string | null> {
  const result = await callInternal<CreateSessionResponse>("/api/internal/sessions", { userId, userAgent });
  return result.ok ? result.data.sessionId : null;
}

export async function endSession(userId: string, sessionId: string): Promise<void> {
  const result = await callInternal("/api/internal/sessions/end", { userId, sessionId });
  if (!result.ok) console.warn(`signing out: the api did not end the session (${result.code})`);
}

/**
 * Whether a page should still treat the token as signed in, asked of the api
 * on every read of the session (it answers from memory), so a session ended
 * elsewhere signs the pages out at once too. When the api cannot be reached
 * the session is kept (the pages then say the backend is unavailable) rather
 * than signing everyone out.
 */
export async function checkSession(userId: string, sessionId: string): Promise<"active" | "ended" | "unknown"> {
  const result = await callInternal<{ active: boolean }>("/api/internal/sessions/check", { userId, sessionId });
  if (!result.ok) return result.status === 400 ? "ended" : "unknown";
  return result.data.active ? "active" : "ended";
}
