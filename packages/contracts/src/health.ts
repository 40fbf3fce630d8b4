import { z } from "zod";

/** GET /api/health */
export const healthResponse = z.object({
  status: z.enum(["ok", "degraded"]),
  database: z.object({ status: z.enum(["up", "down"]), driver: z.enum(["pglite", "postgres"]) }),
  uptimeSeconds: z.number(),
});
export type HealthResponse = z.infer<typeof healthResponse>;
