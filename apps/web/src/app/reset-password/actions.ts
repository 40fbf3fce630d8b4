"use server";
import { email as emailSchema, password as passwordSchema, SIGN_IN_LINK_TTL_SECONDS } from "@tradeboard/contracts";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { emailSignInEnabled, serverEnv } from "@/env";
import { callInternal } from "@/lib/backend";
import { linkMail, sendMail } from "@/lib/mail";

export interface ResetState {
  status: "idle" | "sent" | "error";
  message?: string;
  fields?: Record<string, string>;
}

async function siteOrigin(): Promise<string> {
  const env = serverEnv();
  if (env.AUTH_URL) return new URL(env.AUTH_URL).origin;
  const h = await headers();
  return `${h.get("x-forwarded-proto") ?? "http"}://${h.get("x-forwarded-host") ?? h.get("host")}`;
}

/** Emails a password-reset link; the answer is the same whether or not an account has the address. */
export async function requestResetLink(_: ResetState, form: FormData): Promise<ResetState> {
  const env = serverEnv();
  if (!emailSignInEnabled(env)) {
    return { status: "error", message: "Email is not set up on this server, so no reset link can be sent." };
  }
  const parsed = emailSchema.safeParse(form.get("email"));
  if (!parsed.success) return { status: "error", fields: { email: "enter a valid email address" } };
  const ip = (await headers()).get("x-forwarded-for")?.split(",").at(-1)?.trim();
  const result = await callInternal<{ token: string | null }>("/api/internal/auth/password-reset/request", {
    email: parsed.data,
    ...(ip ? { ip } : {}),
  });
  if (!result.ok) {
    return {
      status: "error",
      message:
        result.code === "rate_limited"
          ? "Too many links were asked for this address or from your network. Wait a few minutes, then try again."
          : "The trading service is unavailable right now. Please try again shortly.",
    };
  }
  if (result.data.token) {
    const url = `${await siteOrigin()}/reset-password?${new URLSearchParams({ token: result.data.token, email: parsed.data })}`;
    try {
      await sendMail(
        linkMail({
          to: parsed.data,
          subject: "Reset your Tradeboard password",
          intro: "Open this link to choose a new Tradeboard password:",
          action: "Choose a new password",
          url,
          outro: `The link works once, for ${SIGN_IN_LINK_TTL_SECONDS / 60} minutes. Setting a password signs out every session of the account. If you did not ask for it, ignore this message.`,
        }),
      );
    } catch (error) {
      console.error(`password reset mail: ${(error as Error).message}`);
      return { status: "error", message: "We could not send the email. Please try again shortly." };
    }
  }
  return { status: "sent", message: parsed.data };
}

/** Sets the new password from a reset link; then every session of the account is signed out. */
export async function resetPassword(_: ResetState, form: FormData): Promise<ResetState> {
  const password = passwordSchema.safeParse(form.get("password"));
  if (!password.success) {
    return { status: "error", fields: { password: password.error.issues[0]?.message ?? "choose a password" } };
  }
  if (form.get("password") !== form.get("confirm")) {
    return { status: "error", fields: { confirm: "the two passwords are not the same" } };
  }
  const result = await callInternal("/api/internal/auth/password-reset/complete", {
    email: String(form.get("email") ?? ""),
    token: String(form.get("token") ?? ""),
    password: password.data,
  });
  if (!result.ok) {
    return {
      status: "error",
      message:
        result.code === "link_invalid" || result.code === "validation_failed"
          ? `This reset link has expired or was already used. A link works once, for ${SIGN_IN_LINK_TTL_SECONDS / 60} minutes: ask for a new one.`
          : "The trading service is unavailable right now. Please try again shortly.",
    };
  }
  redirect("/login?reset=done");
}
