-- Written by `npm run bench -- orders` from the statements the api sent for one request: GET /api/trades?limit=50 (pgbench -D account=N).
\set aid :account
select (select json_build_object(
    'id', orders.id, 'clientOrderId', orders.client_order_id, 'symbol', orders.symbol, 'side', orders.side,
    'type', orders.type, 'status', orders.status, 'timeInForce', orders.time_in_force,
    'quantity', trim_scale(orders.quantity)::text,
    'filledQuantity', coalesce(trim_scale(own.filled)::text, '0'),
    'averagePrice', trim_scale(div(own.value * 1000000000000000000, nullif(own.filled, 0)) * 0.000000000000000001)::text,
    'limitPrice', trim_scale(orders.limit_price)::text, 'stopPrice', trim_scale(orders.stop_price)::text, 'reason', orders.reason,
    'takeProfit', trim_scale(orders.take_profit_price)::text, 'stopLoss', trim_scale(orders.stop_loss_price)::text,
    'trailPercent', trim_scale(orders.trail_percent)::text, 'trailPrice', trim_scale(orders.trail_price)::text,
    'parentOrderId', orders.parent_order_id,
    'fills', coalesce(own.list, '[]'::json),
    'createdAt', to_char(orders.created_at at time zone 'UTC', ('YYYY-MM-DD"T"HH24:' || 'MI:' || 'SS.MS"Z"')))
  from (
    select sum(f.quantity) as filled, sum(f.price * f.quantity) as value,
      json_agg(json_build_object('price', trim_scale(f.price)::text, 'quantity', trim_scale(f.quantity)::text,
        'fee', trim_scale(f.fee)::text, 'time', to_char(f.created_at at time zone 'UTC', ('YYYY-MM-DD"T"HH24:' || 'MI:' || 'SS.MS"Z"'))) order by f.created_at) as list
    from fills f where f.order_id = orders.id
  ) own)::text, (select count(*) from "orders" where "orders"."user_id" = ('00000000-0000-4000-8000-' || lpad(:aid::text, 12, '0'))::uuid) from "orders" where "orders"."user_id" = ('00000000-0000-4000-8000-' || lpad(:aid::text, 12, '0'))::uuid order by "orders"."created_at" desc, "orders"."id" desc limit '50' offset '0';
