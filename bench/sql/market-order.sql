-- Written by `npm run bench -- orders` from the statements the api sent for one request: POST /api/trades {"symbol":"BTC-USD","side":"buy","type":"market","quantity":"0.001"} (pgbench -D accounts=N picks the account at random).
\set aid random(1, :accounts)
begin;
select u.id
from (select x.u from jsonb_to_recordset(((replace('{"us": [{"u": "00000000-0000-4000-8000-000000000002"}],"b": [{"u": "00000000-0000-4000-8000-000000000002","a": "BTC"},{"u": "00000000-0000-4000-8000-000000000002","a": "USD"}],"p": [{"u": "00000000-0000-4000-8000-000000000002","s": "BTC-USD"}],"c": []}', '00000000-0000-4000-8000-000000000002', (('00000000-0000-4000-8000-' || lpad(:aid::text, 12, '0'))::uuid)::text)::text)::jsonb) -> 'us') as x(u uuid) order by x.u) x
cross join lateral (select u.id from users u where u.id = x.u for no key update) u;
with k as (select (replace('{"us": [{"u": "00000000-0000-4000-8000-000000000002"}],"b": [{"u": "00000000-0000-4000-8000-000000000002","a": "BTC"},{"u": "00000000-0000-4000-8000-000000000002","a": "USD"}],"p": [{"u": "00000000-0000-4000-8000-000000000002","s": "BTC-USD"}],"c": []}', '00000000-0000-4000-8000-000000000002', (('00000000-0000-4000-8000-' || lpad(:aid::text, 12, '0'))::uuid)::text)::text)::jsonb as j),
bal as materialized (
  select b.user_id, b.asset, b.available
  from (select x.u, x.a from k, jsonb_to_recordset(k.j -> 'b') as x(u uuid, a text) order by x.u, x.a) x
  cross join lateral (
    select b.user_id, b.asset, b.available from balances b where b.user_id = x.u and b.asset = x.a for update
  ) b
),
pos as materialized (
  select p.user_id, p.symbol, p.quantity, p.cost, p.realized_pnl, p.fees_paid
  from (select x.u, x.s from k, jsonb_to_recordset(k.j -> 'p') as x(u uuid, s text) order by x.u, x.s) x
  cross join lateral (
    select p.user_id, p.symbol, p.quantity, p.cost, p.realized_pnl, p.fees_paid from positions p
    where p.user_id = x.u and p.symbol = x.s for update
  ) p
),
taken as (
  select o.user_id, o.client_order_id
  from (select x.u, x.c from k, jsonb_to_recordset(k.j -> 'c') as x(u uuid, c text)) x
  cross join lateral (
    select o.user_id, o.client_order_id from orders o where o.user_id = x.u and o.client_order_id = x.c limit 1
  ) o
)
select 'b' as k, user_id::text as u, asset as key, available::text as v1, null::text as v2, null::text as v3, null::text as v4 from bal
union all
select 'p', user_id::text, symbol, quantity::text, cost::text, realized_pnl::text, fees_paid::text from pos
union all
select 't', user_id::text, client_order_id, null, null, null, null from taken;
with w as (select (replace(replace(replace('{"o": [{"n": 0,"id": "e623bd41-b72a-4c81-9ab8-d4c411161f2b","u": "00000000-0000-4000-8000-000000000002","c": null,"h": "HKm2f0lznOX6jrys8FSjGgP6oREEy_9ENFOLXKnTA60","s": "BTC-USD","side": "buy","type": "market","status": "filled","tif": "gtc","q": "0.001","fq": "0.001"}],"f": [{"n": 0,"id": "3c771082-c3f8-42e1-b20a-fee6dc92d86e","o": "e623bd41-b72a-4c81-9ab8-d4c411161f2b","u": "00000000-0000-4000-8000-000000000002","s": "BTC-USD","side": "buy","p": "65129.23","q": "0.001","fee": "0.07"}],"l": [{"n": 0,"u": "00000000-0000-4000-8000-000000000002","a": "BTC","kind": "fill","d": "0.001","r": "e623bd41-b72a-4c81-9ab8-d4c411161f2b"},{"n": 1,"u": "00000000-0000-4000-8000-000000000002","a": "USD","kind": "fill","d": "-65.13","r": "e623bd41-b72a-4c81-9ab8-d4c411161f2b"},{"n": 2,"u": "00000000-0000-4000-8000-000000000002","a": "USD","kind": "fee","d": "-0.07","r": "e623bd41-b72a-4c81-9ab8-d4c411161f2b"}],"bu": [{"u": "00000000-0000-4000-8000-000000000002","a": "USD","v": "999999934.8"}],"bi": [{"u": "00000000-0000-4000-8000-000000000002","a": "BTC","d": "0.001"}],"pu": [],"pi": [{"u": "00000000-0000-4000-8000-000000000002","s": "BTC-USD","q": "0.001","c": "65.13","r": "0","f": "0.07"}]}', '00000000-0000-4000-8000-000000000002', (('00000000-0000-4000-8000-' || lpad(:aid::text, 12, '0'))::uuid)::text), 'e623bd41-b72a-4c81-9ab8-d4c411161f2b', gen_random_uuid()::text), '3c771082-c3f8-42e1-b20a-fee6dc92d86e', gen_random_uuid()::text)::text)::jsonb as j),
o as (
  insert into orders (id, user_id, client_order_id, request_hash, symbol, side, type, status, time_in_force,
    quantity, filled_quantity, created_at, updated_at)
  select x.id, x.u, x.c, x.h, x.s, x.side, x.type, x.status, x.tif, x.q, x.fq,
    now() + x.n * interval '1 microsecond', now()
  from w, jsonb_to_recordset(w.j -> 'o') as x(id uuid, u uuid, c text, h text, s text, side text,
    type text, status text, tif text, q numeric, fq numeric, n bigint)
  where true
  order by x.n
),
f as (
  insert into fills (id, order_id, user_id, symbol, side, price, quantity, fee, created_at)
  select x.id, x.o, x.u, x.s, x.side, x.p, x.q, x.fee, now() + x.n * interval '1 microsecond'
  from w, jsonb_to_recordset(w.j -> 'f') as x(id uuid, o uuid, u uuid, s text, side text,
    p numeric, q numeric, fee numeric, n bigint)
  where true
  order by x.n
),
l as (
  insert into ledger_entries (user_id, asset, kind, available_delta, held_delta, reference)
  select x.u, x.a, x.kind, x.d, 0, x.r
  from w, jsonb_to_recordset(w.j -> 'l') as x(u uuid, a text, kind text, d numeric, r text, n bigint)
  where true
  order by x.n
),
bu as (
  insert into balances (user_id, asset, available, held)
  select x.u, x.a, x.v, 0 from w, jsonb_to_recordset(w.j -> 'bu') as x(u uuid, a text, v numeric)
  where true
  on conflict (user_id, asset) do update set available = excluded.available, updated_at = now()
),
bi as (
  insert into balances (user_id, asset, available, held)
  select x.u, x.a, x.d, 0 from w, jsonb_to_recordset(w.j -> 'bi') as x(u uuid, a text, d numeric)
  where true
  on conflict (user_id, asset) do update set available = balances.available + excluded.available, updated_at = now()
),
pu as (
  insert into positions (user_id, symbol, quantity, cost, realized_pnl, fees_paid)
  select x.u, x.s, x.q, x.c, x.r, x.f
  from w, jsonb_to_recordset(w.j -> 'pu') as x(u uuid, s text, q numeric, c numeric, r numeric, f numeric)
  where true
  on conflict (user_id, symbol) do update set quantity = excluded.quantity, cost = excluded.cost,
    realized_pnl = excluded.realized_pnl, fees_paid = excluded.fees_paid
),
pi as (
  insert into positions (user_id, symbol, quantity, cost, realized_pnl, fees_paid)
  select x.u, x.s, x.q, x.c, x.r, x.f
  from w, jsonb_to_recordset(w.j -> 'pi') as x(u uuid, s text, q numeric, c numeric, r numeric, f numeric)
  where true
  on conflict (user_id, symbol) do update set quantity = positions.quantity + excluded.quantity,
    cost = positions.cost + excluded.cost, realized_pnl = positions.realized_pnl + excluded.realized_pnl,
    fees_paid = positions.fees_paid + excluded.fees_paid
)
select (extract(epoch from now()) * 1000000)::bigint::text as now;
commit;
