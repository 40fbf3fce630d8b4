import { z } from "zod";
import { decimalString } from "./decimal.ts";
import { marketSymbol } from "./markets.ts";

export const alertConditions = ["above", "below", "crosses", "move"] as const;
export const alertStatuses = ["active", "paused", "triggered", "expired"] as const;

const alertFields = {
  symbol: marketSymbol,
  condition: z.enum(alertConditions),
  /** The level for above / below / crosses. */
  price: decimalString.optional(),
  /** For `move`: the percentage and the window it must happen within. */
  percent: decimalString.optional(),
  window: z.enum(["5m", "1h", "24h"]).optional(),
  frequency: z.enum(["once", "every_time"]).default("once"),
  /** For `every_time`: the least time between two firings. */
  cooldownSeconds: z
    .number()
    .int()
    .min(0)
    .max(7 * 86_400)
    .default(0),
  expiresAt: z.iso.datetime({ offset: true }).optional(),
  note: z.string().trim().max(280).optional(),
  webhookUrl: z
    .url({ protocol: /^https?$/, error: "webhookUrl must be an http(s) URL" })
    .max(2048)
    .optional(),
};

/** POST /api/alerts */
export const createAlertBody = z.strictObject(alertFields).superRefine((alert, ctx) => {
  if (alert.condition === "move") {
    if (!alert.percent) ctx.addIssue({ code: "custom", path: ["percent"], message: "a move alert needs a percent" });
    if (!alert.window) ctx.addIssue({ code: "custom", path: ["window"], message: "a move alert needs a window" });
  } else if (!alert.price) {
    ctx.addIssue({ code: "custom", path: ["price"], message: `an ${alert.condition} alert needs a price` });
  }
  if (alert.expiresAt && Date.parse(alert.expiresAt) <= Date.now()) {
    ctx.addIssue({ code: "custom", path: ["expiresAt"], message: "expiresAt must be in the future" });
  }
});
export type CreateAlertBody = z.infer<typeof createAlertBody>;

/** PATCH /api/alerts/:id — edit, or pause (`paused`) and resume (`active`). */
export const updateAlertBody = z
  .strictObject({
    price: decimalString.optional(),
    frequency: z.enum(["once", "every_time"]).optional(),
    cooldownSeconds: z
      .number()
      .int()
      .min(0)
      .max(7 * 86_400)
      .optional(),
    expiresAt: z.iso.datetime({ offset: true }).nullable().optional(),
    note: z.string().trim().max(280).nullable().optional(),
    webhookUrl: z
      .url({ protocol: /^https?$/ })
      .max(2048)
      .nullable()
      .optional(),
    status: z.enum(["active", "paused"]).optional(),
  })
  .refine((body) => Object.keys(body).length > 0, { message: "nothing to change" });
export type UpdateAlertBody = z.infer<typeof updateAlertBody>;

export const alertResponse = z.object({
  id: z.uuid(),
  symbol: z.string(),
  condition: z.enum(alertConditions),
  price: z.string().nullable(),
  percent: z.string().nullable(),
  window: z.enum(["5m", "1h", "24h"]).nullable(),
  frequency: z.enum(["once", "every_time"]),
  cooldownSeconds: z.number().int(),
  expiresAt: z.string().nullable(),
  note: z.string().nullable(),
  webhookUrl: z.string().nullable(),
  status: z.enum(alertStatuses),
  lastTriggeredAt: z.string().nullable(),
  createdAt: z.string(),
});
export type AlertResponse = z.infer<typeof alertResponse>;

export const alertsResponse = z.object({ alerts: z.array(alertResponse) });
export type AlertsResponse = z.infer<typeof alertsResponse>;

export const alertEventResponse = z.object({
  id: z.uuid(),
  alertId: z.uuid(),
  symbol: z.string(),
  price: z.string(),
  triggeredAt: z.string(),
  webhookStatus: z.enum(["none", "pending", "delivered", "failed"]),
  webhookAttempts: z.number().int(),
});
export const alertEventsResponse = z.object({ events: z.array(alertEventResponse) });
export type AlertEventsResponse = z.infer<typeof alertEventsResponse>;
export const alertEventsQuery = z.strictObject({
  alertId: z.uuid().optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export const alertParams = z.strictObject({ id: z.uuid({ error: "not an alert id" }) });
