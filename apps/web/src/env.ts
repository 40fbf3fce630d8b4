import "server-only";
import { walletChainIds, withSeedAliases } from "@tradeboard/contracts";
import { z } from "zod";
import { compileTrustProxy } from "@/lib/client-address";

const optionalText = z.string().trim().min(1).optional();

const schema = z
  .object({
    NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
    /** Where the web server forwards /api/* (all but /api/auth/*) and calls internal endpoints. */
    API_URL: z.url().default("http://127.0.0.1:3001"),
    /** How long a forwarded request may take before the user is told the backend is unavailable. */
    API_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(15_000),
    AUTH_SECRET: z
      .string({ error: "is required (npm run dev at the repository root creates one for development)" })
      .min(32, "must be at least 32 characters"),
    /** The public URL of the web app; Auth.js reads it too. Required in production. */
    AUTH_URL: z.url().optional(),
    AUTH_TRUST_HOST: z.enum(["true", "false", "1", "0"]).optional(),
    /** Chains a wallet may sign in on (the api reads the same variable); development adds 31337. */
    WALLET_CHAIN_IDS: walletChainIds(process.env.NODE_ENV),
    /**
     * Whose X-Forwarded-For to believe about the client's address (the proxies in front of the web
     * app): unset trusts nobody and takes the socket's address; "true", or addresses, CIDR ranges,
     * loopback, linklocal, uniquelocal, comma-separated, as the api's TRUST_PROXY.
     */
    WEB_TRUST_PROXY: z
      .string()
      .optional()
      .refine(
        (value) => {
          try {
            compileTrustProxy(value);
            return true;
          } catch {
            return false;
          }
        },
        {
          message:
            'must be "true", "false" or comma-separated addresses, CIDR ranges or loopback, linklocal, uniquelocal',
        },
      ),
    /** Turns on WalletConnect in the wallet dialog (a project id from WalletConnect Cloud). */
    WALLETCONNECT_PROJECT_ID: z.string().trim().min(1).optional(),
    /** Sign-in providers: each one is on when its id and secret (and, for OIDC, the issuer) are set. */
    AUTH_GITHUB_ID: optionalText,
    AUTH_GITHUB_SECRET: optionalText,
    AUTH_GOOGLE_ID: optionalText,
    AUTH_GOOGLE_SECRET: optionalText,
    /** Any OpenID Connect issuer (Keycloak, Authentik, Okta, …); discovery at <issuer>/.well-known/openid-configuration. */
    AUTH_OIDC_ISSUER: z.url().optional(),
    AUTH_OIDC_ID: optionalText,
    AUTH_OIDC_SECRET: optionalText,
    /** The button's name for the OIDC provider ("Sign in with …"). */
    AUTH_OIDC_NAME: z.string().trim().min(1).max(60).default("Single sign-on"),
    /** SMTP for emailed sign-in and password-reset links, e.g. smtp://user:pass@mail.example:587. */
    EMAIL_SERVER: z.url({ protocol: /^smtps?$/, error: "must be an smtp:// or smtps:// URL" }).optional(),
    EMAIL_FROM: z.string().trim().min(3).default("Tradeboard <no-reply@tradeboard.local>"),
  })
  .superRefine((env, ctx) => {
    const pairs = [
      ["AUTH_GITHUB_ID", "AUTH_GITHUB_SECRET"],
      ["AUTH_GOOGLE_ID", "AUTH_GOOGLE_SECRET"],
      ["AUTH_OIDC_ID", "AUTH_OIDC_SECRET"],
      ["AUTH_OIDC_ISSUER", "AUTH_OIDC_ID"],
    ] as const;
    for (const [a, b] of pairs) {
      if (Boolean(env[a]) !== Boolean(env[b])) {
        const missing = env[a] ? b : a;
        ctx.addIssue({ code: "custom", path: [missing], message: `is required together with ${env[a] ? a : b}` });
      }
    }
    if (env.NODE_ENV === "production" && !env.AUTH_URL && !env.AUTH_TRUST_HOST) {
      ctx.addIssue({
        code: "custom",
        path: ["AUTH_URL"],
        message: "is required in production (the public URL of the web app, e.g. https://tradeboard.example)",
      });
    }
  });

export type WebConfig = z.infer<typeof schema>;

let cached: WebConfig | undefined;

/**
 * Parsed once, on first use (not at import, so `next build` needs no secrets);
 * instrumentation.ts calls it at server start so a bad value stops the start.
 */
export function serverEnv(): WebConfig {
  if (cached) return cached;
  // The seed's NEXTAUTH_URL / NEXTAUTH_SECRET / NEXT_PUBLIC_API_URL count where the newer names are unset.
  const result = schema.safeParse(withSeedAliases(process.env));
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`);
    throw new Error(`Invalid web configuration:\n${lines.join("\n")}`);
  }
  cached = result.data;
  return cached;
}

/** The OAuth / OpenID Connect providers switched on by their variables, for the sign-in buttons. */
export function oauthProviderList(env: WebConfig): { id: "github" | "google" | "oidc"; name: string }[] {
  return [
    ...(env.AUTH_GITHUB_ID ? [{ id: "github" as const, name: "GitHub" }] : []),
    ...(env.AUTH_GOOGLE_ID ? [{ id: "google" as const, name: "Google" }] : []),
    ...(env.AUTH_OIDC_ISSUER ? [{ id: "oidc" as const, name: env.AUTH_OIDC_NAME }] : []),
  ];
}

/** Emailed links: on with SMTP configured, and in development without (the link is printed in the log). */
export function emailSignInEnabled(env: WebConfig): boolean {
  return Boolean(env.EMAIL_SERVER) || env.NODE_ENV !== "production";
}
