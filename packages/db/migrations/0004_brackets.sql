ALTER TABLE "orders" ADD COLUMN "take_profit_price" numeric(38, 18);--> statement-breakpoint
ALTER TABLE "orders" ADD COLUMN "stop_loss_price" numeric(38, 18);--> statement-breakpoint
ALTER TABLE "orders" ADD COLUMN "parent_order_id" uuid;--> statement-breakpoint
ALTER TABLE "orders" ADD COLUMN "oco_group" uuid;--> statement-breakpoint
CREATE INDEX "orders_oco_group_idx" ON "orders" USING btree ("oco_group");