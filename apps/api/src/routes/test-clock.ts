import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { ZodTypeProvider } from "../plugins/zod-validation.ts";

const advanceBody = z.strictObject({ seconds: z.number().int().min(1).max(86_400) });

/**
 * Test runs only (registered with the manual feed, which needs NODE_ENV=test):
 * moves the clock of emailed links forward, so a test sees a link expire
 * without waiting ten minutes.
 */
export function testClockRoutes(app: FastifyInstance, deps: { advance(ms: number): void }): void {
  app
    .withTypeProvider<ZodTypeProvider>()
    .post("/api/test/clock", { schema: { body: advanceBody } }, async (req, reply) => {
      deps.advance(req.body.seconds * 1000);
      return reply.code(204).send();
    });
}
