import {
  alertEventsResponse,
  alertResponse,
  alertsResponse,
  apiKeysResponse,
  balancesResponse,
  candlesResponse,
  createdApiKey,
  endSessionsResponse,
  errorBody,
  healthResponse,
  listOrdersResponse,
  listSessionsResponse,
  listUsersResponse,
  listWalletsResponse,
  marketSummary,
  marketsResponse,
  orderResponse,
  portfolioHistoryResponse,
  portfolioResponse,
  realtimeTokenResponse,
  setPasswordResponse,
  signInMethodsResponse,
  siweNonceResponse,
  userResponse,
  walletResponse,
} from "@tradeboard/contracts";
import type { FastifyInstance, RouteOptions } from "fastify";
import { z } from "zod";
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject } from "zod-openapi";

/** Who may call a route: nobody signs in, a session or a key, the browser session only, an administrator. */
type Access = "public" | "user" | "session" | "admin";

interface RouteDoc {
  summary: string;
  tag: string;
  access: Access;
  /** The success status and body (none for 204). */
  status: number;
  response?: z.ZodType;
  contentType?: string;
}

const webhookSecretResponse = z.object({ secret: z.string() });
const webhookConfiguredResponse = z.object({ configured: z.boolean() });
const walletLinked = z.object({ wallet: walletResponse });

/**
 * What each native route answers. Requests are described by the schemas the
 * routes validate with (read from Fastify as they are registered); this adds
 * what Fastify does not know: the response body and who may call.
 */
export const ROUTE_DOCS: Record<string, RouteDoc> = {
  "GET /api/health": {
    summary: "Liveness and database status",
    tag: "health",
    access: "public",
    status: 200,
    response: healthResponse,
  },
  "POST /api/users": {
    summary: "Register with email and password",
    tag: "users",
    access: "public",
    status: 201,
    response: userResponse,
  },
  "GET /api/users/me": {
    summary: "The signed-in user",
    tag: "users",
    access: "user",
    status: 200,
    response: userResponse,
  },
  "GET /api/users": {
    summary: "List users (administrators)",
    tag: "users",
    access: "admin",
    status: 200,
    response: listUsersResponse,
  },
  "GET /api/balances": {
    summary: "Balances per asset",
    tag: "portfolio",
    access: "user",
    status: 200,
    response: balancesResponse,
  },
  "GET /api/markets": {
    summary: "Markets with their tickers",
    tag: "markets",
    access: "public",
    status: 200,
    response: marketsResponse,
  },
  "GET /api/markets/:symbol": {
    summary: "One market",
    tag: "markets",
    access: "public",
    status: 200,
    response: marketSummary,
  },
  "GET /api/markets/:symbol/candles": {
    summary: "Candles of a market",
    tag: "markets",
    access: "public",
    status: 200,
    response: candlesResponse,
  },
  "GET /api/realtime/token": {
    summary: "A short-lived token for the private WebSocket channel (bots use the /alpaca stream)",
    tag: "realtime",
    access: "session",
    status: 200,
    response: realtimeTokenResponse,
  },
  "POST /api/trades": {
    summary: "Place an order (201; 200 for a repeated clientOrderId)",
    tag: "trading",
    access: "user",
    status: 201,
    response: orderResponse,
  },
  "GET /api/trades": {
    summary: "List orders with their fills",
    tag: "trading",
    access: "user",
    status: 200,
    response: listOrdersResponse,
  },
  "GET /api/trades/:id": { summary: "One order", tag: "trading", access: "user", status: 200, response: orderResponse },
  "DELETE /api/trades/:id": {
    summary: "Cancel an open order",
    tag: "trading",
    access: "user",
    status: 200,
    response: orderResponse,
  },
  "GET /api/trades/by-client-id/:clientOrderId": {
    summary: "One order by its clientOrderId",
    tag: "trading",
    access: "user",
    status: 200,
    response: orderResponse,
  },
  "DELETE /api/trades/by-client-id/:clientOrderId": {
    summary: "Cancel an order by its clientOrderId",
    tag: "trading",
    access: "user",
    status: 200,
    response: orderResponse,
  },
  "GET /api/trades/export.csv": {
    summary: "Orders and fills as CSV",
    tag: "trading",
    access: "user",
    status: 200,
    contentType: "text/csv",
  },
  "GET /api/portfolio": {
    summary: "Balances, positions and equity",
    tag: "portfolio",
    access: "user",
    status: 200,
    response: portfolioResponse,
  },
  "GET /api/portfolio/history": {
    summary: "Equity over time",
    tag: "portfolio",
    access: "user",
    status: 200,
    response: portfolioHistoryResponse,
  },
  "POST /api/portfolio/reset": {
    summary: "Back to the starting balance",
    tag: "portfolio",
    access: "user",
    status: 200,
    response: portfolioResponse,
  },
  "POST /api/alerts": {
    summary: "Create a price alert",
    tag: "alerts",
    access: "user",
    status: 201,
    response: alertResponse,
  },
  "GET /api/alerts": { summary: "List alerts", tag: "alerts", access: "user", status: 200, response: alertsResponse },
  "GET /api/alerts/events": {
    summary: "Alert history",
    tag: "alerts",
    access: "user",
    status: 200,
    response: alertEventsResponse,
  },
  "POST /api/alerts/webhook-secret": {
    summary: "A new webhook signing secret (shown once)",
    tag: "alerts",
    access: "session",
    status: 200,
    response: webhookSecretResponse,
  },
  "GET /api/alerts/webhook-secret": {
    summary: "Whether a webhook secret is set",
    tag: "alerts",
    access: "user",
    status: 200,
    response: webhookConfiguredResponse,
  },
  "GET /api/alerts/:id": { summary: "One alert", tag: "alerts", access: "user", status: 200, response: alertResponse },
  "PATCH /api/alerts/:id": {
    summary: "Change an alert",
    tag: "alerts",
    access: "user",
    status: 200,
    response: alertResponse,
  },
  "DELETE /api/alerts/:id": { summary: "Delete an alert", tag: "alerts", access: "user", status: 204 },
  "POST /api/api-keys": {
    summary: "Create an API key (the only time its secret is shown)",
    tag: "api keys",
    access: "session",
    status: 201,
    response: createdApiKey,
  },
  "GET /api/api-keys": {
    summary: "List API keys",
    tag: "api keys",
    access: "session",
    status: 200,
    response: apiKeysResponse,
  },
  "DELETE /api/api-keys/:id": {
    summary: "Revoke an API key, at once",
    tag: "api keys",
    access: "session",
    status: 204,
  },
  "GET /api/siwe/nonce": {
    summary: "A nonce for a Sign-In with Ethereum message",
    tag: "wallets",
    access: "public",
    status: 200,
    response: siweNonceResponse,
  },
  "GET /api/users/me/wallets": {
    summary: "Linked wallets",
    tag: "wallets",
    access: "user",
    status: 200,
    response: listWalletsResponse,
  },
  "POST /api/users/me/wallets": {
    summary: "Link a wallet with a signed message",
    tag: "wallets",
    access: "session",
    status: 201,
    response: walletLinked,
  },
  "DELETE /api/users/me/wallets/:address": {
    summary: "Unlink a wallet",
    tag: "wallets",
    access: "session",
    status: 204,
  },
  "GET /api/users/me/sessions": {
    summary: "Where this account is signed in",
    tag: "sessions",
    access: "session",
    status: 200,
    response: listSessionsResponse,
  },
  "DELETE /api/users/me/sessions/:id": {
    summary: "End one session, at once (its cookie gets 401 everywhere)",
    tag: "sessions",
    access: "session",
    status: 204,
  },
  "POST /api/users/me/sessions/end-others": {
    summary: "End every session but this one",
    tag: "sessions",
    access: "session",
    status: 200,
    response: endSessionsResponse,
  },
  "GET /api/users/me/sign-in-methods": {
    summary: "Password, wallets and linked providers",
    tag: "sessions",
    access: "session",
    status: 200,
    response: signInMethodsResponse,
  },
  "DELETE /api/users/me/accounts/:provider/:providerAccountId": {
    summary: "Unlink a provider (never the last way in)",
    tag: "sessions",
    access: "session",
    status: 204,
  },
  "PUT /api/users/me/password": {
    summary: "Set or change the password (ends every other session)",
    tag: "sessions",
    access: "session",
    status: 200,
    response: setPasswordResponse,
  },
  "GET /api/openapi.json": { summary: "This document", tag: "meta", access: "public", status: 200 },
};

/**
 * Registered but not part of the public document: the web server's internal
 * endpoints (they answer 404 to anyone without its service key), the test
 * feed's endpoint, and the reference page's own files.
 */
export function isUndocumented(method: string, url: string): boolean {
  return (
    method === "HEAD" ||
    url.startsWith("/api/internal/") ||
    url.startsWith("/api/test/") ||
    url === "/api/docs" ||
    url.startsWith("/api/docs/") ||
    !url.startsWith("/api/")
  );
}

export interface RegisteredRoute {
  method: string;
  url: string;
  schema?: { body?: unknown; querystring?: unknown; params?: unknown };
}

/** Collects every route as it is registered (call before any route is added). */
export function collectRoutes(app: FastifyInstance): RegisteredRoute[] {
  const routes: RegisteredRoute[] = [];
  app.addHook("onRoute", (route: RouteOptions) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      routes.push({
        method: String(method).toUpperCase(),
        url: route.url,
        schema: route.schema as RegisteredRoute["schema"],
      });
    }
  });
  return routes;
}

const asZod = (schema: unknown): z.ZodObject | undefined => (schema instanceof z.ZodObject ? schema : undefined);
const openApiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, "{$1}");

const SECURITY: Record<Access, ZodOpenApiOperationObject["security"]> = {
  public: [],
  user: [{ session: [] }, { apiKeyId: [], apiKeySecret: [] }, { bearerKey: [] }],
  session: [{ session: [] }],
  admin: [{ session: [] }],
};

const errorResponse = (description: string) => ({
  description,
  content: { "application/json": { schema: errorBody } },
});

/** The OpenAPI 3.1 document of the native api, from the routes' own zod schemas. */
export function openApiDocument(routes: readonly RegisteredRoute[]) {
  const paths: ZodOpenApiPathsObject = {};
  for (const route of routes) {
    if (isUndocumented(route.method, route.url)) continue;
    const doc = ROUTE_DOCS[`${route.method} ${route.url}`];
    if (!doc) throw new Error(`no OpenAPI entry for ${route.method} ${route.url}: add it to ROUTE_DOCS`);
    const body = route.schema?.body as z.ZodType | undefined;
    const query = asZod(route.schema?.querystring);
    const params = asZod(route.schema?.params);
    const success =
      doc.status === 204
        ? { description: "Done; no body" }
        : {
            description: "Success",
            content: {
              [doc.contentType ?? "application/json"]: { schema: doc.response ?? z.string() },
            },
          };
    const operation: ZodOpenApiOperationObject = {
      summary: doc.summary,
      tags: [doc.tag],
      security: SECURITY[doc.access],
      ...(query || params
        ? { requestParams: { ...(query ? { query } : {}), ...(params ? { path: params } : {}) } }
        : {}),
      ...(body ? { requestBody: { required: true, content: { "application/json": { schema: body } } } } : {}),
      responses: {
        [String(doc.status)]: success,
        ...(body || query || params
          ? { "400": errorResponse("Invalid request (field messages in error.fields)") }
          : {}),
        ...(doc.access === "public"
          ? {}
          : { "401": errorResponse("Not signed in, or an unknown, wrong or revoked API key") }),
        ...(doc.access === "public"
          ? {}
          : {
              "403": errorResponse(
                "Not allowed: a read key changing data, a key where the session is needed, a foreign Origin",
              ),
            }),
        ...(doc.access === "user" ? { "429": errorResponse("Over the API key's rate limit (Retry-After)") } : {}),
      },
    };
    const path = openApiPath(route.url);
    paths[path] = { ...paths[path], [route.method.toLowerCase()]: operation };
  }
  return createDocument(
    {
      openapi: "3.1.0",
      info: {
        title: "Tradeboard API",
        version: "1.0.0",
        description:
          "The native REST api of Tradeboard, a paper-trading platform. Amounts are decimal strings. Errors are " +
          '`{"error":{"code","message"}}`. Signed-in routes take the browser session cookie or an API key; an ' +
          "Alpaca-compatible api for bots is served under /alpaca (see the README).",
      },
      components: {
        securitySchemes: {
          session: { type: "apiKey", in: "cookie", name: "authjs.session-token", description: "The web app's session" },
          apiKeyId: { type: "apiKey", in: "header", name: "APCA-API-KEY-ID" },
          apiKeySecret: { type: "apiKey", in: "header", name: "APCA-API-SECRET-KEY" },
          bearerKey: { type: "http", scheme: "bearer", description: "`<keyId>:<secret>`" },
        },
      },
      paths,
    },
    {
      // Decimal strings are parsed by a transform of unknown input: say what goes in.
      override: ({ jsonSchema, zodSchema, io }) => {
        const def = zodSchema._zod.def as { type: string; in?: { _zod: { def: { type: string } } } };
        if (io === "input" && def.type === "pipe" && def.in?._zod.def.type === "unknown") {
          jsonSchema.type = "string";
          jsonSchema.pattern = "^\\d+(\\.\\d+)?$";
          jsonSchema.examples = ["64123.50"];
        }
      },
    },
  );
}
