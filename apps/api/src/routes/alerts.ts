import { alertEventsQuery, alertParams, createAlertBody, updateAlertBody } from "@tradeboard/contracts";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "../plugins/zod-validation.ts";
import type { AlertService } from "../services/alerts.ts";

export function alertsRoutes(app: FastifyInstance, deps: { alerts: AlertService }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const signedIn = { onRequest: app.requireUser };

  r.post("/api/alerts", { ...signedIn, schema: { body: createAlertBody } }, async (req, reply) =>
    reply.code(201).send(await deps.alerts.create(req.user, req.body)),
  );
  r.get("/api/alerts", signedIn, async (req) => ({ alerts: await deps.alerts.list(req.user) }));
  r.get("/api/alerts/events", { ...signedIn, schema: { querystring: alertEventsQuery } }, async (req) => ({
    events: await deps.alerts.events(req.user, req.query),
  }));
  // A new signing secret is shown once: only to the browser session, never to a key.
  r.post("/api/alerts/webhook-secret", { onRequest: app.requireSession }, async (req, reply) => {
    reply.header("cache-control", "no-store");
    return { secret: await deps.alerts.newWebhookSecret(req.user) };
  });
  r.get("/api/alerts/webhook-secret", signedIn, async (req) => ({ configured: req.user.webhookSecret !== null }));
  r.get("/api/alerts/:id", { ...signedIn, schema: { params: alertParams } }, async (req) =>
    deps.alerts.get(req.user, req.params.id),
  );
  r.patch("/api/alerts/:id", { ...signedIn, schema: { params: alertParams, body: updateAlertBody } }, async (req) =>
    deps.alerts.update(req.user, req.params.id, req.body),
  );
  r.delete("/api/alerts/:id", { ...signedIn, schema: { params: alertParams } }, async (req, reply) => {
    await deps.alerts.remove(req.user, req.params.id);
    return reply.code(204).send();
  });
}
