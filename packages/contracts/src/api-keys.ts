import { z } from "zod";

export const apiKeyScopes = ["read", "trade"] as const;
export type ApiKeyScope = (typeof apiKeyScopes)[number];

/** POST /api/api-keys */
export const createApiKeyBody = z.strictObject({
  name: z.string().trim().min(1, "give the key a name").max(100),
  /** `read`: GET requests only; `trade`: also place and cancel orders and other changes. */
  scope: z.enum(apiKeyScopes, { error: "scope must be read or trade" }),
});
export type CreateApiKeyBody = z.infer<typeof createApiKeyBody>;

export const apiKey = z.object({
  id: z.uuid(),
  /** The public half, sent as APCA-API-KEY-ID. */
  keyId: z.string(),
  name: z.string(),
  scope: z.enum(apiKeyScopes),
  createdAt: z.iso.datetime(),
  lastUsedAt: z.iso.datetime().nullable(),
  revokedAt: z.iso.datetime().nullable(),
});
export type ApiKey = z.infer<typeof apiKey>;

/** The answer to POST /api/api-keys: the only time the secret is shown. */
export const createdApiKey = z.object({
  id: z.uuid(),
  keyId: z.string(),
  /** Sent as APCA-API-SECRET-KEY; only its hash is stored. */
  secret: z.string(),
  name: z.string(),
  scope: z.enum(apiKeyScopes),
  createdAt: z.iso.datetime(),
});
export type CreatedApiKey = z.infer<typeof createdApiKey>;

/** GET /api/api-keys */
export const apiKeysResponse = z.object({ keys: z.array(apiKey) });
export type ApiKeysResponse = z.infer<typeof apiKeysResponse>;

export const apiKeyParams = z.strictObject({ id: z.uuid({ error: "not an API key id" }) });
