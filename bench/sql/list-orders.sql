-- Written by `npm run bench -- orders` from the statements the api sent for one request: GET /api/trades?limit=50 (pgbench -D account=N).
\set aid :account
select "id", "user_id", "client_order_id", "request_hash", "symbol", "side", "type", "status", "time_in_force", "quantity", "filled_quantity", "limit_price", "stop_price", "hold_asset", "hold_amount", "reason", "trail_percent", "trail_price", "trail_reference", "take_profit_price", "stop_loss_price", "parent_order_id", "oco_group", "triggered_at", "created_at", "updated_at", coalesce((
    select json_agg(json_build_object(
      'price', f.price::text, 'quantity', f.quantity::text, 'fee', f.fee::text,
      'time', floor(extract(epoch from f.created_at) * 1000)::float8
    ) order by f.created_at)
    from "fills" f where f.order_id = orders.id), '[]'::json), (select count(*) from "orders" where "orders"."user_id" = ('00000000-0000-4000-8000-' || lpad(:aid::text, 12, '0'))::uuid) from "orders" where "orders"."user_id" = ('00000000-0000-4000-8000-' || lpad(:aid::text, 12, '0'))::uuid order by "orders"."created_at" desc, "orders"."id" desc limit '50';
