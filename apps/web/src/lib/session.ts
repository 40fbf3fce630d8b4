import "server-only";
import { redirect } from "next/navigation";
import type { Session } from "next-auth";
import { auth } from "@/auth";

/** For pages behind sign-in: the session, or a redirect to /login that comes back here. */
export async function requireSession(returnTo: string): Promise<Session> {
  const session = await auth();
  if (!session) redirect(`/login?callbackUrl=${encodeURIComponent(returnTo)}`);
  return session;
}
