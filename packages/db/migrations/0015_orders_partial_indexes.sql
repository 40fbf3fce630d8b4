-- Most orders are filled market orders: no client order id, no one-cancels-other group, never open.
-- Each index below only holds the orders it is searched for, so such an order is written to two
-- indexes (its id, its user's history) instead of five.
DROP INDEX "orders_user_client_order_id_idx";--> statement-breakpoint
CREATE UNIQUE INDEX "orders_user_client_order_id_idx" ON "orders" USING btree ("user_id","client_order_id") WHERE "orders"."client_order_id" is not null;--> statement-breakpoint
DROP INDEX "orders_open_idx";--> statement-breakpoint
CREATE INDEX "orders_open_idx" ON "orders" USING btree ("status") WHERE "orders"."status" in ('new', 'partially_filled');--> statement-breakpoint
DROP INDEX "orders_oco_group_idx";--> statement-breakpoint
CREATE INDEX "orders_oco_group_idx" ON "orders" USING btree ("oco_group") WHERE "orders"."oco_group" is not null;
