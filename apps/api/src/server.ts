import cookie from "@fastify/cookie";
import proxyAddr from "@fastify/proxy-addr";
import { renderApiReference } from "@scalar/client-side-rendering";
import scalar from "@scalar/fastify-api-reference";
import { LOCAL_CHAIN_ID, SESSION_MAX_AGE_SECONDS } from "@tradeboard/contracts";
import { DEFAULT_MARKETS, type MarketSpec } from "@tradeboard/core";
import { type Database, findUserById } from "@tradeboard/db";
import Fastify, { type FastifyInstance, type FastifyServerOptions, LogController } from "fastify";
import { Redis } from "ioredis";
import { useAlpaca } from "./alpaca/index.ts";
import { LastTrades } from "./alpaca/market-data.ts";
import { AlpacaStreams } from "./alpaca/streams.ts";
import { RealtimeTokens } from "./auth/realtime-token.ts";
import { SessionBroadcast } from "./auth/session-broadcast.ts";
import { SessionRegistry } from "./auth/session-registry.ts";
import { UserCache } from "./auth/user-cache.ts";
import { UserChanges } from "./auth/user-changes.ts";
import type { ApiConfig } from "./env.ts";
import { AppError } from "./errors.ts";
import { BinanceFeed } from "./market/binance.ts";
import { CoinbaseFeed } from "./market/coinbase.ts";
import { ManualFeed, type MarketFeed, ReplayFeed, SimulatedFeed } from "./market/feed.ts";
import { KrakenFeed } from "./market/kraken.ts";
import type { LiveFeedOptions } from "./market/live-feed.ts";
import { parseSymbolMap, venueMarkets } from "./market/symbols.ts";
import { collectRoutes, openApiDocument } from "./openapi.ts";
import { useAuth } from "./plugins/auth.ts";
import { useErrorMapping } from "./plugins/errors.ts";
import { useJsonBodies } from "./plugins/json-body.ts";
import { useOriginGuard } from "./plugins/origin-guard.ts";
import { useZodValidation } from "./plugins/zod-validation.ts";
import { type HubOptions, RealtimeHub } from "./realtime/hub.ts";
import { compileTrustProxy } from "./realtime/trust-proxy.ts";
import { alertsRoutes } from "./routes/alerts.ts";
import { apiKeysRoutes } from "./routes/api-keys.ts";
import { balancesRoutes } from "./routes/balances.ts";
import { healthRoutes } from "./routes/health.ts";
import { manualFeedRoutes } from "./routes/manual-feed.ts";
import { marketsRoutes } from "./routes/markets.ts";
import { realtimeRoutes } from "./routes/realtime.ts";
import { sessionsRoutes } from "./routes/sessions.ts";
import { signInRoutes } from "./routes/sign-in.ts";
import { testClockRoutes } from "./routes/test-clock.ts";
import { tradesRoutes } from "./routes/trades.ts";
import { usersRoutes } from "./routes/users.ts";
import { walletsRoutes } from "./routes/wallets.ts";
import { AlertService } from "./services/alerts.ts";
import { ApiKeyService } from "./services/api-keys.ts";
import { LinkLimiter } from "./services/link-limiter.ts";
import { LoginThrottle } from "./services/login-throttle.ts";
import { MarketService } from "./services/markets.ts";
import { MemoryRateLimiter, RedisRateLimiter, type RequestRateLimiter, WindowLimiter } from "./services/rate-limit.ts";
import { SiweService } from "./services/siwe.ts";
import { TradingService } from "./services/trading.ts";
import { WebhookSender } from "./services/webhooks.ts";

export type ServerConfig = Pick<
  ApiConfig,
  | "AUTH_SECRET"
  | "WEB_ORIGIN"
  | "CORS_ORIGINS"
  | "INITIAL_BALANCE"
  | "LOGIN_MAX_FAILURES_PER_EMAIL"
  | "LOGIN_MAX_FAILURES_PER_IP"
  | "LOGIN_WINDOW_SECONDS"
  | "TRUST_PROXY"
> &
  Partial<
    Pick<
      ApiConfig,
      | "MARKET_FEED"
      | "MARKET_SEED"
      | "MARKET_TICKS_PER_SECOND"
      | "MARKET_BACKFILL_DAYS"
      | "MARKET_SYMBOLS"
      | "MARKET_SYMBOL_MAP"
      | "MARKET_WS_URL"
      | "MARKET_REST_URL"
      | "MARKET_STALE_SECONDS"
      | "REPLAY_FILE"
      | "REALTIME_TOKEN_TTL_SECONDS"
      | "REALTIME_MAX_CONNECTIONS_PER_IP"
      | "REALTIME_MAX_MESSAGES"
      | "REALTIME_MESSAGE_WINDOW_SECONDS"
      | "FEE_RATE"
      | "SLIPPAGE_RATE"
      | "MAX_ACTIVE_ALERTS"
      | "USER_CACHE_MS"
      | "ALERT_WEBHOOKS_ALLOW_PRIVATE"
      | "WEBHOOK_RETRY_BASE_MS"
      | "WEBHOOK_POLL_MS"
      | "WEBHOOK_TIMEOUT_MS"
      | "WEBHOOK_CONCURRENCY"
      | "WEBHOOK_CONCURRENCY_PER_USER"
      | "WEBHOOK_MAX_QUEUED"
      | "WEBHOOK_MAX_QUEUED_PER_USER"
      | "WEBHOOK_MAX_RESPONSE_BYTES"
      | "WALLET_CHAIN_IDS"
      | "WALLET_RPC_URLS"
      | "SIWE_NONCE_TTL_SECONDS"
      | "LOGIN_MAX_FAILURES_PER_EMAIL_AND_IP"
      | "LOGIN_EMAIL_WINDOW_SECONDS"
      | "REGISTRATIONS_PER_IP"
      | "REGISTRATION_WINDOW_SECONDS"
      | "API_KEY_RATE_LIMIT"
      | "REDIS_URL"
      | "REDIS_KEY_PREFIX"
      | "LINK_REQUESTS_PER_EMAIL"
      | "LINK_REQUESTS_PER_IP"
      | "LINK_REQUESTS_WINDOW_SECONDS"
    >
  >;

declare module "fastify" {
  interface FastifyInstance {
    markets: MarketService;
    hub: RealtimeHub;
    trading: TradingService;
    alerts: AlertService;
    sessions: SessionRegistry;
  }
}

const VENUES = { coinbase: CoinbaseFeed, binance: BinanceFeed, kraken: KrakenFeed } as const;

function createFeed(
  config: ServerConfig,
  specs: readonly MarketSpec[],
  log: (level: "info" | "warn", message: string) => void,
  now?: () => number,
): MarketFeed {
  // env.ts refuses "manual" outside NODE_ENV=test.
  if (config.MARKET_FEED === "manual") return new ManualFeed();
  const kind = config.MARKET_FEED;
  if (kind === "coinbase" || kind === "binance" || kind === "kraken") {
    const options: LiveFeedOptions = {
      markets: venueMarkets(kind, specs, parseSymbolMap(config.MARKET_SYMBOL_MAP ?? "")),
      wsUrl: config.MARKET_WS_URL,
      restUrl: config.MARKET_REST_URL,
      staleMs: (config.MARKET_STALE_SECONDS ?? 10) * 1000,
      now,
      log,
    };
    return new VENUES[kind](options);
  }
  if (config.MARKET_FEED === "replay" && config.REPLAY_FILE) {
    return new ReplayFeed(config.REPLAY_FILE, new Set(specs.map((s) => s.symbol)));
  }
  return new SimulatedFeed(specs, {
    seed: config.MARKET_SEED ?? "tradeboard",
    ticksPerSecond: config.MARKET_TICKS_PER_SECOND ?? 4,
  });
}

function createRateLimiter(config: ServerConfig, now?: () => number): RequestRateLimiter {
  const options = { limit: config.API_KEY_RATE_LIMIT ?? 200, windowMs: 60_000 };
  if (!config.REDIS_URL) return new MemoryRateLimiter(options, now);
  const redis = new Redis(config.REDIS_URL, {
    // Every command has a deadline: while Redis is away a request waits at most this long, then goes through.
    commandTimeout: 1_000,
    maxRetriesPerRequest: 1,
  });
  redis.on("error", () => {
    // Reported per request by the limiter's caller; ioredis reconnects by itself.
  });
  return new RedisRateLimiter(
    redis,
    { ...options, prefix: `${config.REDIS_KEY_PREFIX ?? "tradeboard:"}ratelimit:` },
    now,
  );
}

/**
 * Builds the api (plugins, routes, market service, realtime hub) without
 * listening or ticking: main.ts and the tests both use it. Call
 * `app.markets.init()` before serving market data and `app.markets.start()` to
 * make prices move.
 */
export async function buildServer(
  deps: {
    database: Database;
    config: ServerConfig;
    feed?: MarketFeed;
    specs?: readonly MarketSpec[];
    now?: () => number;
    /** Per-key request limits; by default in Redis with REDIS_URL, else in memory. */
    rateLimiter?: RequestRateLimiter;
    hubOptions?: Partial<
      Pick<
        HubOptions,
        | "heartbeatMs"
        | "maxBufferedBytes"
        | "stuckTimeoutMs"
        | "maxInvalidMessages"
        | "maxMessages"
        | "messageWindowMs"
        | "maxConnectionsPerAddress"
      >
    >;
  },
  options: { logger?: FastifyServerOptions["logger"] } = {},
): Promise<FastifyInstance> {
  const { database, config } = deps;
  const db = database.db;
  const trustProxy = compileTrustProxy(config.TRUST_PROXY);
  const app = Fastify({
    logger: options.logger ?? false,
    trustProxy: config.TRUST_PROXY,
    bodyLimit: 64 * 1024,
    // One readable line per request (below) instead of Fastify's two JSON ones.
    logController: new LogController({ disableRequestLogging: true }),
  });
  const registered = collectRoutes(app);
  app.addHook("onResponse", async (request, reply) => {
    request.log.info(`${request.method} ${request.url} → ${reply.statusCode} ${reply.elapsedTime.toFixed(1)} ms`);
  });
  useZodValidation(app);
  useJsonBodies(app);
  useErrorMapping(app);
  await app.register(cookie);
  const allowedOrigins = [config.WEB_ORIGIN, ...config.CORS_ORIGINS];
  await useOriginGuard(app, allowedOrigins);
  const keys = new ApiKeyService({ db, now: deps.now, log: (message) => app.log.warn(message) });
  const limiter = deps.rateLimiter ?? createRateLimiter(config, deps.now);
  app.addHook("onClose", async () => {
    await limiter.close().catch(() => {});
  });
  const sessions = new SessionRegistry({
    db,
    maxAgeMs: SESSION_MAX_AGE_SECONDS * 1000,
    now: deps.now,
    // Kept as long as the longest-lived WebSocket token.
    tombstoneMs: Math.max(3600, config.REALTIME_TOKEN_TTL_SECONDS ?? 60) * 1000,
    onEnded: (userId, sessionIds, origin) => {
      hub.endUserSessions(userId, sessionIds);
      if (origin === "here") {
        broadcast?.publish(userId, sessionIds).catch((error: Error) => {
          app.log.warn(`could not tell the other api instances of an ended session: ${error.message}`);
        });
      }
    },
  });
  app.decorate("sessions", sessions);
  // With Redis, ended sessions reach every api instance at once (the README's "Several api instances").
  const broadcast = config.REDIS_URL
    ? await SessionBroadcast.connect(config.REDIS_URL, config.REDIS_KEY_PREFIX ?? "tradeboard:", {
        ended: (userId, sessionIds) => sessions.markEnded(userId, sessionIds),
        resubscribed: () => sessions.forgetActive(),
        log: (message) => app.log.warn(message),
      })
    : null;
  if (broadcast) app.addHook("onClose", () => broadcast.close());
  const now = deps.now ?? Date.now;
  // Changes to users reach every instance from the database itself (user-changes.ts): the cache believes
  // its rows longer for them, and the WebSocket hub ends a deleted user's channel at once (below), which it
  // needs with the cache off as well.
  const userChanges = await UserChanges.start({ database, now: deps.now, log: (message) => app.log.warn(message) });
  const users = new UserCache({ db, ttlMs: config.USER_CACHE_MS ?? 1_000, changes: userChanges, now: deps.now });
  app.addHook("onClose", async () => {
    users.close();
    await userChanges.close();
  });
  useAuth(app, {
    users,
    authSecret: config.AUTH_SECRET,
    sessions,
    keyAuth: {
      keys,
      async onKey(request, reply, key) {
        const window = await limiter.hit(key.id).catch((error: Error) => {
          // A limiter that is away must not take the api down with it: the request goes through.
          request.log.warn(`rate limiter unavailable: ${error.message}`);
          return null;
        });
        if (!window) return;
        reply
          .header("x-ratelimit-limit", String(window.limit))
          .header("x-ratelimit-remaining", String(window.remaining))
          .header("x-ratelimit-reset", String(Math.ceil(window.resetAt / 1000)));
        if (!window.allowed) {
          throw new AppError("rate_limited", `At most ${window.limit} requests a minute per API key.`, {
            retryAfterSeconds: Math.max(1, Math.ceil((window.resetAt - now()) / 1000)),
          });
        }
      },
    },
  });

  const throttle = new LoginThrottle(
    {
      perEmailAndIp: config.LOGIN_MAX_FAILURES_PER_EMAIL_AND_IP ?? 5,
      perIp: config.LOGIN_MAX_FAILURES_PER_IP,
      perEmail: config.LOGIN_MAX_FAILURES_PER_EMAIL,
      windowMs: config.LOGIN_WINDOW_SECONDS * 1000,
      emailWindowMs: (config.LOGIN_EMAIL_WINDOW_SECONDS ?? 3600) * 1000,
    },
    deps.now,
  );
  const registrations = new WindowLimiter(
    {
      limit: config.REGISTRATIONS_PER_IP ?? 10,
      windowMs: (config.REGISTRATION_WINDOW_SECONDS ?? 3600) * 1000,
    },
    deps.now,
  );
  const tokens = new RealtimeTokens(config.AUTH_SECRET, (config.REALTIME_TOKEN_TTL_SECONDS ?? 60) * 1000, deps.now);
  const chosen = config.MARKET_SYMBOLS;
  const specs = deps.specs ?? (chosen ? DEFAULT_MARKETS.filter((m) => chosen.includes(m.symbol)) : DEFAULT_MARKETS);
  const feed =
    deps.feed ??
    createFeed(
      config,
      specs,
      (level, message) => (level === "warn" ? app.log.warn(message) : app.log.info(message)),
      deps.now,
    );
  const markets: MarketService = new MarketService({
    db,
    specs,
    feed,
    seed: config.MARKET_SEED ?? "tradeboard",
    backfillDays: config.MARKET_BACKFILL_DAYS ?? 7,
    now: deps.now,
    publisher: { publish: (channel, type, data) => hub.publish(channel, type, data) },
    log: (message) => app.log.info(message),
  });
  const hub = new RealtimeHub({
    allowedOrigins,
    verifyToken: (token) => {
      const identity = tokens.verify(token);
      return identity && sessions.mayConnect(identity.sessionId, identity.issuedAt) ? identity : null;
    },
    isKnownChannel: (channel) => markets.isKnownChannel(channel),
    snapshot: (channel) => markets.snapshot(channel),
    // The same address Fastify gives req.ip: X-Forwarded-For only from a TRUST_PROXY hop.
    clientAddress: (request) => (request.socket.remoteAddress ? proxyAddr(request, trustProxy) : undefined),
    maxConnectionsPerAddress: config.REALTIME_MAX_CONNECTIONS_PER_IP ?? 50,
    maxMessages: config.REALTIME_MAX_MESSAGES ?? 100,
    messageWindowMs: (config.REALTIME_MESSAGE_WINDOW_SECONDS ?? 10) * 1000,
    now: deps.now,
    ...deps.hubOptions,
  });
  // A user deleted in the database (by an operator, or through another instance) loses the private channel
  // as soon as the database announces it, not when the socket's token runs out.
  userChanges.onChanged((userId) => {
    if (!hub.hasUser(userId)) return;
    findUserById(db, userId).then(
      (user) => {
        if (!user) hub.endUserSessions(userId);
      },
      (error: Error) => app.log.warn(`could not read a changed user again: ${error.message}`),
    );
  });
  const rates = { feeRate: config.FEE_RATE ?? "0.001", slippageRate: config.SLIPPAGE_RATE ?? "0.0005" };
  const trading = new TradingService({
    db,
    specs,
    rates,
    lastPrice: (symbol) => markets.lastPrice(symbol),
    staleReason: (symbol) => markets.staleReason(symbol),
    notify: (userId, event) => {
      hub.publishToUser(userId, event);
      alpacaStreams.userEvent(userId, event);
    },
    log: (message) => app.log.warn(message),
  });
  const lastTrades = new LastTrades();
  const alpacaStreams: AlpacaStreams = new AlpacaStreams({
    keys,
    trading,
    specs,
    slippageRate: rates.slippageRate,
    lastTrades,
    log: (message) => app.log.warn(message),
  });
  keys.onRevoke((keyId) => alpacaStreams.revoked(keyId));
  markets.onTrade((tick, ticker) => {
    lastTrades.record(tick);
    alpacaStreams.trade(tick, ticker);
  });
  markets.onCandleClosed((symbol, interval, candle) => {
    if (interval === "1m") alpacaStreams.barClosed(symbol, candle);
  });
  // The Alpaca streams take their own paths; every other upgrade is the hub's.
  hub.attach(app.server, alpacaStreams.handleUpgrade);
  markets.onPrice((symbol, price) => trading.onPrice(symbol, price));
  app.decorate("trading", trading);
  const alerts = new AlertService({
    db,
    webhooks: new WebhookSender({
      db,
      allowInternal: config.ALERT_WEBHOOKS_ALLOW_PRIVATE ?? false,
      retryBaseMs: config.WEBHOOK_RETRY_BASE_MS ?? 1_000,
      pollMs: config.WEBHOOK_POLL_MS ?? 1_000,
      timeoutMs: config.WEBHOOK_TIMEOUT_MS,
      concurrency: config.WEBHOOK_CONCURRENCY,
      concurrencyPerUser: config.WEBHOOK_CONCURRENCY_PER_USER,
      maxQueued: config.WEBHOOK_MAX_QUEUED,
      maxQueuedPerUser: config.WEBHOOK_MAX_QUEUED_PER_USER,
      maxResponseBytes: config.WEBHOOK_MAX_RESPONSE_BYTES,
      now: deps.now,
      log: (message) => app.log.warn(message),
    }),
    allowInternalWebhooks: config.ALERT_WEBHOOKS_ALLOW_PRIVATE ?? false,
    specs,
    maxActivePerUser: config.MAX_ACTIVE_ALERTS ?? 500,
    lastPrice: (symbol) => markets.lastPrice(symbol),
    notify: (userId, event) => hub.publishToUser(userId, event),
    log: (message) => app.log.warn(message),
    now: deps.now,
  });
  markets.onPrice((symbol, price, time) => alerts.onPrice(symbol, price, time));
  app.decorate("alerts", alerts);
  app.decorate("markets", markets);
  app.decorate("hub", hub);
  // Before the HTTP server closes: it waits for every open socket, upgraded ones included.
  app.addHook("preClose", async () => {
    await markets.stop();
    await trading.settled();
    await alerts.stop();
    await alpacaStreams.close();
    await hub.close();
  });

  healthRoutes(app, { database });
  usersRoutes(app, { db, initialBalance: config.INITIAL_BALANCE, throttle, registrations });
  balancesRoutes(app, { db });
  marketsRoutes(app, { markets, rates });
  realtimeRoutes(app, { tokens });
  tradesRoutes(app, { trading, startingBalance: config.INITIAL_BALANCE });
  alertsRoutes(app, { alerts });
  apiKeysRoutes(app, { keys });
  const siwe = new SiweService({
    db,
    origins: allowedOrigins,
    chainIds: config.WALLET_CHAIN_IDS ?? [1, LOCAL_CHAIN_ID],
    rpcUrls: config.WALLET_RPC_URLS ?? {},
    nonceTtlMs: (config.SIWE_NONCE_TTL_SECONDS ?? 300) * 1000,
    now: deps.now,
    log: (message) => app.log.warn(message),
  });
  walletsRoutes(app, { db, siwe, initialBalance: config.INITIAL_BALANCE });
  await useAlpaca(app, { trading, markets, specs, slippageRate: rates.slippageRate, lastTrades });
  let document: ReturnType<typeof openApiDocument> | undefined;
  app.get("/api/openapi.json", async () => {
    document ??= openApiDocument(registered);
    return document;
  });
  // The reference page: Scalar, its script served by the api itself (nothing from a CDN). The page is
  // answered at /api/docs without a trailing-slash redirect, which the web app's forward would bounce.
  await app.register(scalar, {
    routePrefix: "/api/docs/scalar",
    logLevel: "warn",
    configuration: { url: "/api/openapi.json" },
  });
  const docsPage = renderApiReference({
    config: { url: "/api/openapi.json", hideClientButton: true, withDefaultFonts: false },
    pageTitle: "Tradeboard API reference",
    cdn: "/api/docs/scalar/js/scalar.js",
  });
  app.get("/api/docs", async (_request, reply) => reply.type("text/html; charset=utf-8").send(docsPage));
  sessionsRoutes(app, { db, sessions });
  // Link expiry runs on its own clock: end-to-end tests move it forward (test-clock.ts) instead of waiting.
  let clockOffsetMs = 0;
  const linkClock = () => (deps.now ?? Date.now)() + clockOffsetMs;
  signInRoutes(app, {
    db,
    initialBalance: config.INITIAL_BALANCE,
    sessions,
    throttle,
    now: linkClock,
    links: new LinkLimiter(
      {
        perEmail: config.LINK_REQUESTS_PER_EMAIL ?? 5,
        perIp: config.LINK_REQUESTS_PER_IP ?? 30,
        windowMs: (config.LINK_REQUESTS_WINDOW_SECONDS ?? 900) * 1000,
      },
      () => (deps.now ?? Date.now)(),
    ),
  });
  if (feed instanceof ManualFeed) {
    manualFeedRoutes(app, { feed });
    testClockRoutes(app, { advance: (ms) => (clockOffsetMs += ms) });
  }
  return app;
}
