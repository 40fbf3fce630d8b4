import { and, count, desc, eq, getTableColumns, inArray, type SQL, type SQLWrapper, sql } from "drizzle-orm";
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

/** A fill as an order page carries it. */
export type FillValues = Pick<FillRow, "price" | "quantity" | "fee" | "createdAt">;

type PageRow = OrderRow & { fills: { price: string; quantity: string; fee: string; time: number }[]; total: number };
type PageParams = { userId: string; symbol?: string; side?: string; status?: string; limit: number; offset: number };

/**
 * The page query for each shape of filter (which of symbol, side, status and open are given), built once
 * per database and then only executed: a page is read far more often than its shape changes, and building
 * the statement cost as much as Postgres spent running it.
 */
const pageQueries = new WeakMap<Db, Map<string, { execute(params: PageParams): Promise<PageRow[]> }>>();

function pageQuery(db: Db, filter: OrderFilter) {
  const shape = [
    filter.symbol ? "symbol" : "",
    filter.side ? "side" : "",
    filter.status ? "status" : "",
    filter.open === undefined ? "" : filter.open ? "open" : "closed",
  ].join(",");
  let byShape = pageQueries.get(db);
  if (!byShape) {
    byShape = new Map();
    pageQueries.set(db, byShape);
  }
  let query = byShape.get(shape);
  if (!query) {
    const where = orderFilter(filter, (name) => sql.placeholder(name));
    // Amounts as text (JSON numbers would lose digits), times as epoch milliseconds. `orders.id` is
    // spelled out: drizzle writes a one-table select's columns unqualified, which here would mean `f.id`.
    const fillsOfOrder = sql<PageRow["fills"]>`coalesce((
      select json_agg(json_build_object(
        'price', f.price::text, 'quantity', f.quantity::text, 'fee', f.fee::text,
        'time', floor(extract(epoch from f.created_at) * 1000)::float8
      ) order by f.created_at)
      from ${fills} f where f.order_id = orders.id), '[]'::json)`;
    query = db
      .select({
        ...getTableColumns(orders),
        fills: fillsOfOrder,
        total: sql`(select count(*) from ${orders} where ${where})`.mapWith(Number),
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

/**
 * A page of a user's orders, newest first, each with its fills, and how many
 * orders match in all: one statement (the fills and the count are subqueries).
 */
export async function pageOrders(
  db: Db,
  params: OrderFilter & { limit: number; offset: number },
): Promise<{ rows: (OrderRow & { fills: FillValues[] })[]; total: number }> {
  const rows = await pageQuery(db, params).execute({
    userId: params.userId,
    symbol: params.symbol,
    side: params.side,
    status: params.status,
    limit: params.limit,
    offset: params.offset,
  });
  const total =
    rows[0]?.total ??
    (params.offset === 0
      ? 0
      : ((await db.select({ value: count() }).from(orders).where(orderFilter(params)))[0]?.value ?? 0));
  return {
    rows: rows.map(({ fills: own, total: _, ...order }) => ({
      ...order,
      fills: own.map((f) => ({ price: f.price, quantity: f.quantity, fee: f.fee, createdAt: new Date(f.time) })),
    })),
    total,
  };
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
