import "server-only";
import { walletChainIds } from "@tradeboard/contracts";
import { z } from "zod";
import { compileTrustProxy } from "@/lib/client-address";

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
  })
  .superRefine((env, ctx) => {
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
  const result = schema.safeParse(process.env);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`);
    throw new Error(`Invalid web configuration:\n${lines.join("\n")}`);
  }
  cached = result.data;
  return cached;
}
