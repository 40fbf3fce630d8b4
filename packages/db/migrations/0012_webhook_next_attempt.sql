ALTER TABLE "alert_events" ADD COLUMN "webhook_payload" text;--> statement-breakpoint
ALTER TABLE "alert_events" ADD COLUMN "webhook_next_attempt_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "alert_events_webhook_due_idx" ON "alert_events" USING btree ("webhook_next_attempt_at") WHERE "alert_events"."webhook_status" = 'pending';--> statement-breakpoint
-- Deliveries left pending before this migration had their retries in memory only: make them due, so the sender settles them.
UPDATE "alert_events" SET "webhook_next_attempt_at" = now() WHERE "webhook_status" = 'pending';
