import { and, count, desc, eq, inArray, type SQL, type SQLWrapper, sql } from "drizzle-orm";
import type { Db } from "../client.ts";
import { type FillRow, fills, type OrderRow, orders, positions } from "../schema.ts";

export type NewOrder = typeof orders.$inferInsert;

/** Inserts an order; null when the user already has one with this clientOrderId. */
export async function insertOrder(db: Db, order: NewOrder): Promise<OrderRow | null> {
  const [row] = await db
    .insert(orders)
    .values(order)
    .onConflictDoNothing({ target: [orders.userId, orders.clientOrderId], where: sql`client_order_id is not null` })
    .returning();
  return row ?? null;
}

export async function findOrder(db: Db, params: { userId: string; id: string }): Promise<OrderRow | null> {
  const [row] = await db
    .select()
    .from(orders)
    .where(and(eq(orders.id, params.id), eq(orders.userId, params.userId)));
  return row ?? null;
}

export async function findOrderByClientId(
  db: Db,
  params: { userId: string; clientOrderId: string },
): Promise<OrderRow | null> {
  const [row] = await db
    .select()
    .from(orders)
    .where(and(eq(orders.userId, params.userId), eq(orders.clientOrderId, params.clientOrderId)));
  return row ?? null;
}

/**
 * Moves an order on only if it is still in one of `from`: the one place where a
 * fill and a cancel racing for the same order are decided.
 */
export async function transitionOrder(
  db: Db,
  params: { id: string; from: OrderRow["status"][]; set: Partial<NewOrder> },
): Promise<OrderRow | null> {
  const [row] = await db
    .update(orders)
    .set({ ...params.set, updatedAt: sql`now()` })
    .where(and(eq(orders.id, params.id), inArray(orders.status, params.from)))
    .returning();
  return row ?? null;
}

export interface OrderFilter {
  userId: string;
  symbol?: string;
  side?: string;
  status?: string;
  open?: boolean;
}

/** What an order's response shows of each of its fills. */
export type FillValues = Pick<FillRow, "price" | "quantity" | "fee" | "createdAt">;

type PageRow = { order: string; total: number | null };
type PageParams = { userId: string; symbol?: string; side?: string; status?: string; limit: number; offset: number };

// Amounts are written as the api writes them (no trailing zeros), times as toISOString() writes a
// Date (milliseconds cut, UTC), and the average price as summarizeFills() in @tradeboard/core
// computes it: cut to 18 places, which div() (an integer quotient) does exactly.
const amount = (column: string) => `trim_scale(${column})::text`;
const isoTime = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * One order as the api shows it (OrderResponse in @tradeboard/contracts; toResponse in the api
 * writes the same for one order), with its fills oldest first: a subquery of the page's statement,
 * reading the outer `orders` row.
 */
const ORDER_JSON = `(select json_build_object(
    'id', orders.id, 'clientOrderId', orders.client_order_id, 'symbol', orders.symbol, 'side', orders.side,
    'type', orders.type, 'status', orders.status, 'timeInForce', orders.time_in_force,
    'quantity', ${amount("orders.quantity")},
    'filledQuantity', coalesce(${amount("own.filled")}, '0'),
    'averagePrice', ${amount("div(own.value * 1000000000000000000, nullif(own.filled, 0)) * 0.000000000000000001")},
    'limitPrice', ${amount("orders.limit_price")}, 'stopPrice', ${amount("orders.stop_price")}, 'reason', orders.reason,
    'takeProfit', ${amount("orders.take_profit_price")}, 'stopLoss', ${amount("orders.stop_loss_price")},
    'trailPercent', ${amount("orders.trail_percent")}, 'trailPrice', ${amount("orders.trail_price")},
    'parentOrderId', orders.parent_order_id,
    'fills', coalesce(own.list, '[]'::json),
    'createdAt', ${isoTime("orders.created_at")})
  from (
    select sum(f.quantity) as filled, sum(f.price * f.quantity) as value,
      json_agg(json_build_object('price', ${amount("f.price")}, 'quantity', ${amount("f.quantity")},
        'fee', ${amount("f.fee")}, 'time', ${isoTime("f.created_at")}) order by f.created_at) as list
    from fills f where f.order_id = orders.id
  ) own)`;

/**
 * The page statement for each shape of filter (which of symbol, side, status and open are given),
 * built once per database and then only executed: a page is read far more often than its shape
 * changes, and building the statement cost as much as Postgres spent running it.
 */
const pageQueries = new WeakMap<Db, Map<string, { execute(params: PageParams): Promise<PageRow[]> }>>();

function pageQuery(db: Db, filter: OrderFilter, counted: boolean) {
  const shape = [
    filter.symbol ? "symbol" : "",
    filter.side ? "side" : "",
    filter.status ? "status" : "",
    filter.open === undefined ? "" : filter.open ? "open" : "closed",
    counted ? "counted" : "",
  ].join(",");
  let byShape = pageQueries.get(db);
  if (!byShape) {
    byShape = new Map();
    pageQueries.set(db, byShape);
  }
  let query = byShape.get(shape);
  if (!query) {
    const where = orderFilter(filter, (name) => sql.placeholder(name));
    query = db
      .select({
        // As text: the driver would parse JSON into objects that the api would only write out again.
        order: sql<string>`${sql.raw(ORDER_JSON)}::text`,
        // Counting reads every matching order (O(orders) for an account that trades by the thousand).
        total: counted ? sql<number>`(select count(*) from ${orders} where ${where})`.mapWith(Number) : sql<null>`null`,
      })
      .from(orders)
      .where(where)
      .orderBy(desc(orders.createdAt), desc(orders.id))
      .limit(sql.placeholder("limit"))
      .offset(sql.placeholder("offset"))
      .prepare(`page_orders_${byShape.size}`) as unknown as { execute(params: PageParams): Promise<PageRow[]> };
    byShape.set(shape, query);
  }
  return query;
}

type PageRequest = OrderFilter & { limit: number; offset: number };

const pageRows = (db: Db, params: PageRequest, counted: boolean) =>
  pageQuery(db, params, counted).execute({
    userId: params.userId,
    symbol: params.symbol,
    side: params.side,
    status: params.status,
    limit: params.limit,
    offset: params.offset,
  });

/**
 * A page of a user's orders, newest first, each with its fills, and how many orders match in all, as
 * the JSON the api answers with (ListOrdersResponse in @tradeboard/contracts): the database writes each
 * order's JSON, in the same statement that finds them (on a page of dozens of orders, reading them into
 * objects and writing them out again cost the api several times what the database spent on the page).
 */
export async function pageOrdersJson(db: Db, params: PageRequest): Promise<string> {
  const rows = await pageRows(db, params, true);
  // A page past the last has no row to carry the count.
  const total =
    rows[0]?.total ??
    (params.offset === 0
      ? 0
      : ((await db.select({ value: count() }).from(orders).where(orderFilter(params)))[0]?.value ?? 0));
  return `{"orders":[${rows.map((row) => row.order).join(",")}],"total":${total}}`;
}

/** The same page's orders as a JSON array, without counting them all (for readers that only walk the pages). */
export async function ordersJson(db: Db, params: PageRequest): Promise<string> {
  const rows = await pageRows(db, params, false);
  return `[${rows.map((row) => row.order).join(",")}]`;
}

/**
 * The filter's conditions, each compared with what `bind` gives for its field: the filter's own
 * value, or a placeholder of that name in a statement built once for every filter of its shape.
 */
function orderFilter(
  filter: OrderFilter,
  bind: (field: "userId" | "symbol" | "side" | "status") => SQLWrapper = (field) => sql.param(filter[field]),
): SQL | undefined {
  return and(
    eq(orders.userId, bind("userId")),
    filter.symbol ? eq(orders.symbol, bind("symbol")) : undefined,
    filter.side ? eq(orders.side, bind("side")) : undefined,
    filter.status ? eq(orders.status, bind("status")) : undefined,
    filter.open === undefined
      ? undefined
      : filter.open
        ? inArray(orders.status, ["new", "partially_filled"])
        : inArray(orders.status, ["filled", "canceled", "rejected", "expired"]),
  );
}

export async function listOrders(
  db: Db,
  params: OrderFilter & { limit: number; offset: number },
): Promise<{ rows: OrderRow[]; total: number }> {
  const where = orderFilter(params);
  const [rows, [total]] = await Promise.all([
    db
      .select()
      .from(orders)
      .where(where)
      .orderBy(desc(orders.createdAt), desc(orders.id))
      .limit(params.limit)
      .offset(params.offset),
    db.select({ value: count() }).from(orders).where(where),
  ]);
  return { rows, total: total?.value ?? 0 };
}

/**
 * The open orders, written as orders_open_idx's own predicate: with the statuses as literals the
 * planner sees that the partial index holds every row it needs (bound parameters would hide that
 * from a prepared statement's generic plan, which would read the whole table).
 */
const OPEN_ORDER = sql`${orders.status} in ('new', 'partially_filled')`;

/** Every resting order of every user: what the trigger index is rebuilt from on start. */
export async function listRestingOrders(db: Db): Promise<OrderRow[]> {
  return db.select().from(orders).where(OPEN_ORDER);
}

export async function insertFill(db: Db, fill: typeof fills.$inferInsert): Promise<FillRow> {
  const [row] = await db.insert(fills).values(fill).returning();
  if (!row) throw new Error("insert into fills returned no row");
  return row;
}

export async function fillsOf(db: Db, orderIds: readonly string[]): Promise<FillRow[]> {
  if (orderIds.length === 0) return [];
  // One array parameter, not a list: the same statement text for any number of orders.
  return db
    .select()
    .from(fills)
    .where(sql`${fills.orderId} = any(${sql.param([...orderIds])}::uuid[])`)
    .orderBy(fills.createdAt);
}

/**
 * Adds a fill to the user's position with the average-cost method: a buy adds
 * its cost; a sell takes out the average cost of what it sold and books the
 * difference to its proceeds as realized profit. Fees are kept apart.
 */
export async function applyFillToPosition(
  db: Db,
  fill: { userId: string; symbol: string; side: "buy" | "sell"; quantity: string; notional: string; fee: string },
): Promise<void> {
  if (fill.side === "buy") {
    // Adding only: the candidate row is positive, so an upsert passes the CHECKs whether the position exists or not.
    await db
      .insert(positions)
      .values({
        userId: fill.userId,
        symbol: fill.symbol,
        quantity: fill.quantity,
        cost: fill.notional,
        feesPaid: fill.fee,
      })
      .onConflictDoUpdate({
        target: [positions.userId, positions.symbol],
        set: {
          quantity: sql`${positions.quantity} + excluded.quantity`,
          cost: sql`${positions.cost} + excluded.cost`,
          feesPaid: sql`${positions.feesPaid} + excluded.fees_paid`,
        },
      });
    return;
  }
  // The share of cost leaving with the sold quantity; all of it when the position closes.
  const costSold = sql`case when ${positions.quantity} = ${fill.quantity}::numeric then ${positions.cost}
    else round(${positions.cost} * ${fill.quantity}::numeric / ${positions.quantity}, 18) end`;
  const sell = () =>
    db
      .update(positions)
      .set({
        quantity: sql`${positions.quantity} - ${fill.quantity}::numeric`,
        cost: sql`${positions.cost} - ${costSold}`,
        realizedPnl: sql`${positions.realizedPnl} + ${fill.notional}::numeric - ${costSold}`,
        feesPaid: sql`${positions.feesPaid} + ${fill.fee}::numeric`,
      })
      .where(and(eq(positions.userId, fill.userId), eq(positions.symbol, fill.symbol)))
      .returning({ symbol: positions.symbol });
  if ((await sell()).length > 0) return;
  // Nothing held: selling from an empty position, which its CHECK refuses.
  await db.insert(positions).values({ userId: fill.userId, symbol: fill.symbol }).onConflictDoNothing();
  await sell();
}

export async function listPositions(db: Db, params: { userId: string }) {
  return db.select().from(positions).where(eq(positions.userId, params.userId)).orderBy(positions.symbol);
}

/** Forgets a user's positions (an account reset); orders and fills stay as history. */
export async function deletePositions(db: Db, params: { userId: string }): Promise<void> {
  await db.delete(positions).where(eq(positions.userId, params.userId));
}

/** The other open orders of a one-cancels-other group. */
export async function openSiblings(db: Db, params: { ocoGroup: string; exceptId: string }): Promise<OrderRow[]> {
  const rows = await db
    .select()
    .from(orders)
    .where(and(eq(orders.ocoGroup, params.ocoGroup), inArray(orders.status, ["new", "partially_filled"])));
  return rows.filter((row) => row.id !== params.exceptId);
}

/** The exits a bracket placed for these parent orders (of this user), oldest first. */
export async function listChildOrders(
  db: Db,
  params: { userId: string; parentOrderIds: readonly string[] },
): Promise<OrderRow[]> {
  if (params.parentOrderIds.length === 0) return [];
  return db
    .select()
    .from(orders)
    .where(
      and(
        eq(orders.userId, params.userId),
        sql`${orders.parentOrderId} = any(${sql.param([...params.parentOrderIds])}::uuid[])`,
      ),
    )
    .orderBy(orders.createdAt, orders.id);
}

/** Moves a trailing stop after the price set a new best: its reference and the stop that follows it. */
export async function moveTrailingStop(
  db: Db,
  params: { id: string; trailReference: string; stopPrice: string },
): Promise<void> {
  await db
    .update(orders)
    .set({ trailReference: params.trailReference, stopPrice: params.stopPrice, updatedAt: sql`now()` })
    .where(and(eq(orders.id, params.id), inArray(orders.status, ["new", "partially_filled"])));
}
