ALTER TABLE "orders" ADD COLUMN "trail_percent" numeric(38, 18);--> statement-breakpoint
ALTER TABLE "orders" ADD COLUMN "trail_price" numeric(38, 18);--> statement-breakpoint
ALTER TABLE "orders" ADD COLUMN "trail_reference" numeric(38, 18);