import { fileURLToPath } from "node:url";
import { walletChainIds, walletRpcUrls, withSeedAliases } from "@tradeboard/contracts";
import { DEFAULT_MARKETS, isDecimalString } from "@tradeboard/core";
import { z } from "zod";

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));

const knownSymbols = DEFAULT_MARKETS.map((m) => m.symbol);

/** "BTC-USD=BTC-USDT,ETH-USD=ETH-USDC": our symbol = the venue's base-quote. */
const symbolMapEntry = /^[A-Z0-9]{2,10}-[A-Z]{2,10}=[A-Z0-9]{2,12}-[A-Z0-9]{2,12}$/;

const list = (v: string) =>
  v
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

const boolean = z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1");

const schema = (nodeEnv: string | undefined) =>
  z
    .object({
      NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
      API_PORT: z.coerce.number().int().min(0).max(65535).default(3001),
      API_HOST: z.string().min(1).default("127.0.0.1"),
      AUTH_SECRET: z
        .string({ error: "is required (npm run dev at the repository root creates one for development)" })
        .min(32, "must be at least 32 characters"),
      DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, error: "must be a postgres:// URL" }).optional(),
      DATA_DIR: z.string().min(1).default(`${repoRoot}.data`),
      /** Default: the origin of AUTH_URL (or the seed's NEXTAUTH_URL), else http://localhost:3000. */
      WEB_ORIGIN: z.url(),
      CORS_ORIGINS: z
        .string()
        .default("")
        .transform((v) =>
          v
            .split(",")
            .map((s) => s.trim())
            .filter(Boolean),
        )
        .pipe(z.array(z.url())),
      INITIAL_BALANCE: z
        .string()
        .default("100000")
        .refine(isDecimalString, "must be a decimal string such as 100000 or 2500.50"),
      SEED_DEMO: boolean.optional(),
      /** Failed sign-ins of one email from one address per LOGIN_WINDOW_SECONDS (a stranger elsewhere cannot lock the owner out). */
      LOGIN_MAX_FAILURES_PER_EMAIL_AND_IP: z.coerce.number().int().min(1).default(5),
      /** Failed sign-ins from one address, whatever the email, per LOGIN_WINDOW_SECONDS. */
      LOGIN_MAX_FAILURES_PER_IP: z.coerce.number().int().min(1).default(30),
      LOGIN_WINDOW_SECONDS: z.coerce.number().int().min(1).default(900),
      /** Failed sign-ins of one email from all addresses together per LOGIN_EMAIL_WINDOW_SECONDS: higher and slower. */
      LOGIN_MAX_FAILURES_PER_EMAIL: z.coerce.number().int().min(1).default(100),
      LOGIN_EMAIL_WINDOW_SECONDS: z.coerce.number().int().min(1).default(3600),
      /** Sign-ups (each an argon2id hash) one address may attempt per REGISTRATION_WINDOW_SECONDS. */
      REGISTRATIONS_PER_IP: z.coerce.number().int().min(1).default(10),
      REGISTRATION_WINDOW_SECONDS: z.coerce.number().int().min(1).default(3600),
      TRUST_PROXY: z.string().default("loopback"),
      /** `manual` (prices set by tests) is refused unless NODE_ENV=test. */
      MARKET_FEED: z.enum(["simulated", "replay", "manual", "coinbase", "binance", "kraken"]).default("simulated"),
      /** The markets to run, from the known ones (their tick and lot sizes are ours). */
      MARKET_SYMBOLS: z
        .string()
        .default(knownSymbols.join(","))
        .transform(list)
        .pipe(
          z
            .array(
              z.enum(knownSymbols as [string, ...string[]], {
                error: `each must be one of ${knownSymbols.join(", ")}`,
              }),
            )
            .min(1, "must name at least one market"),
        ),
      /** Our symbol = the venue's base-quote, where the venue's default differs (Binance quotes USD markets in USDT). */
      MARKET_SYMBOL_MAP: z
        .string()
        .default("")
        .transform(list)
        .pipe(z.array(z.string().regex(symbolMapEntry, "entries look like BTC-USD=BTC-USDT")))
        .transform((entries) => entries.join(",")),
      MARKET_WS_URL: z.url({ protocol: /^wss?$/, error: "must be a ws:// or wss:// URL" }).optional(),
      MARKET_REST_URL: z.url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" }).optional(),
      MARKET_STALE_SECONDS: z.coerce.number().int().min(1).max(3600).default(10),
      MARKET_SEED: z.string().min(1).default("tradeboard"),
      MARKET_TICKS_PER_SECOND: z.coerce.number().min(0.1).max(100).default(4),
      MARKET_BACKFILL_DAYS: z.coerce.number().int().min(1).max(90).default(7),
      REPLAY_FILE: z.string().min(1).default(`${repoRoot}apps/api/data/replay-sample.jsonl`),
      FEE_RATE: z.string().default("0.001").refine(isDecimalString, "must be a decimal fraction such as 0.001 (0.1 %)"),
      SLIPPAGE_RATE: z.string().default("0.0005").refine(isDecimalString, "must be a decimal fraction such as 0.0005"),
      /** Let alert webhooks reach private, loopback and link-local addresses (off: the alert system must not be a way into internal services). */
      ALERT_WEBHOOKS_ALLOW_PRIVATE: boolean.default(false),
      /**
       * How long the api believes a user row it read (role, deletion) when it cannot tell that the database's
       * announcements of changes reach it: at most a second. 0 reads the row on every request.
       */
      USER_CACHE_MS: z.coerce.number().int().min(0).max(1_000).default(1_000),
      WEBHOOK_RETRY_BASE_MS: z.coerce.number().int().min(10).max(600_000).default(1_000),
      /** How often due webhook deliveries (retries, and those pending at start) are read from the database. */
      WEBHOOK_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(1_000),
      /** Overall deadline of one webhook attempt (connect, headers and body), however the target behaves. */
      WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
      /** Webhook deliveries in flight at once, for everyone, and for any one user. */
      WEBHOOK_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(4),
      WEBHOOK_CONCURRENCY_PER_USER: z.coerce.number().int().min(1).max(256).default(2),
      /** Deliveries waiting in memory, in all and per user (users are served in turn; the rest wait in the database). */
      WEBHOOK_MAX_QUEUED: z.coerce.number().int().min(1).max(100_000).default(1_000),
      WEBHOOK_MAX_QUEUED_PER_USER: z.coerce.number().int().min(1).max(10_000).default(50),
      /** Response bytes read from a webhook target at most (only the status counts). */
      WEBHOOK_MAX_RESPONSE_BYTES: z.coerce.number().int().min(0).max(10_485_760).default(65_536),
      MAX_ACTIVE_ALERTS: z.coerce.number().int().min(1).max(100_000).default(500),
      REALTIME_TOKEN_TTL_SECONDS: z.coerce.number().int().min(5).max(3600).default(60),
      /** Open WebSocket connections one client address may hold (the address as TRUST_PROXY resolves it). */
      REALTIME_MAX_CONNECTIONS_PER_IP: z.coerce.number().int().min(1).max(100_000).default(50),
      /** Messages one WebSocket may send per REALTIME_MESSAGE_WINDOW_SECONDS; more close it (1008). */
      REALTIME_MAX_MESSAGES: z.coerce.number().int().min(1).max(1_000_000).default(100),
      REALTIME_MESSAGE_WINDOW_SECONDS: z.coerce.number().int().min(1).max(3600).default(10),
      /** Chains a wallet may sign in on; development and test add the local chain 31337. */
      WALLET_CHAIN_IDS: walletChainIds(nodeEnv),
      /** chainId=URL pairs: EIP-1271 contract-wallet signatures and native balances are read through them. */
      WALLET_RPC_URLS: walletRpcUrls,
      SIWE_NONCE_TTL_SECONDS: z.coerce.number().int().min(30).max(3600).default(300),
      /** Requests one API key may make per minute (HTTP), as Alpaca allows by default. */
      API_KEY_RATE_LIMIT: z.coerce.number().int().min(1).max(1_000_000).default(200),
      /** Shared state of several api instances (API key rate limits); without it, in memory. */
      REDIS_URL: z.url({ protocol: /^rediss?$/, error: "must be a redis:// or rediss:// URL" }).optional(),
      REDIS_KEY_PREFIX: z.string().max(100).default("tradeboard:"),
      /** Emailed sign-in and password-reset links one address, and one client address, may ask for per window. */
      LINK_REQUESTS_PER_EMAIL: z.coerce.number().int().min(1).default(5),
      LINK_REQUESTS_PER_IP: z.coerce.number().int().min(1).default(30),
      LINK_REQUESTS_WINDOW_SECONDS: z.coerce.number().int().min(1).default(900),
      LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
      LOG_PRETTY: boolean.optional(),
    })
    .refine((env) => env.MARKET_FEED !== "manual" || env.NODE_ENV === "test", {
      path: ["MARKET_FEED"],
      message: "manual is only for test runs (NODE_ENV=test)",
    })
    .transform((env) => ({
      ...env,
      SEED_DEMO: env.SEED_DEMO ?? env.NODE_ENV !== "production",
      LOG_PRETTY: env.LOG_PRETTY ?? env.NODE_ENV === "development",
    }));

export type ApiConfig = z.infer<ReturnType<typeof schema>>;

/** Parses the environment once; a bad value stops the start with the variable's name. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): ApiConfig {
  const env = withSeedAliases(source);
  env.WEB_ORIGIN ||=
    env.AUTH_URL && URL.canParse(env.AUTH_URL) ? new URL(env.AUTH_URL).origin : "http://localhost:3000";
  const result = schema(env.NODE_ENV).safeParse(env);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`);
  throw new Error(`Invalid api configuration:\n${lines.join("\n")}`);
}
