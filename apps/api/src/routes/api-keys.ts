import { apiKeyParams, createApiKeyBody } from "@tradeboard/contracts";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "../plugins/zod-validation.ts";
import type { ApiKeyService } from "../services/api-keys.ts";

/** Keys are managed with the browser session only: a key cannot mint or revoke keys. */
export function apiKeysRoutes(app: FastifyInstance, deps: { keys: ApiKeyService }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const session = { onRequest: app.requireSession };

  r.post("/api/api-keys", { ...session, schema: { body: createApiKeyBody } }, async (req, reply) => {
    reply.header("cache-control", "no-store");
    return reply.code(201).send(await deps.keys.create(req.user, req.body));
  });

  r.get("/api/api-keys", session, async (req) => ({ keys: await deps.keys.list(req.user) }));

  r.delete("/api/api-keys/:id", { ...session, schema: { params: apiKeyParams } }, async (req, reply) => {
    await deps.keys.revoke(req.user, req.params.id);
    return reply.code(204).send();
  });
}
