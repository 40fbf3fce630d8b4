import type { AlertResponse, CreateAlertBody, UpdateAlertBody } from "@tradeboard/contracts";
import {
  Decimal,
  findMarket,
  type MarketSpec,
  MoveWindow,
  type TriggerDirection,
  TriggerIndex,
} from "@tradeboard/core";
import {
  type AlertEventRow,
  type AlertRow,
  claimAlertFiring,
  countActiveAlerts,
  type Db,
  deleteAlert,
  expireAlerts,
  findAlert,
  findUserById,
  insertAlert,
  insertAlertEvent,
  listActiveAlerts,
  listAlertEvents,
  listAlerts,
  listCandles,
  lockUser,
  type NewAlert,
  retryingTransaction,
  scheduleWebhook,
  setWebhookSecret,
  type UserRow,
  updateAlert,
} from "@tradeboard/db";
import { AppError } from "../errors.ts";
import { checkWebhookUrl, newWebhookSecret, type WebhookSender } from "./webhooks.ts";

export interface AlertsDeps {
  db: Db;
  webhooks: WebhookSender;
  allowInternalWebhooks: boolean;
  specs: readonly MarketSpec[];
  maxActivePerUser: number;
  lastPrice(symbol: string): string | undefined;
  notify(userId: string, event: { kind: string } & Record<string, unknown>): void;
  log?(message: string): void;
  /** The clock of expiries and of pauses before re-arming (tests move it instead of waiting). */
  now?: () => number;
}

type Armed = { alertId: string; userId: string; rearm: boolean };

/**
 * The pause before an alert whose processing failed is armed again from the
 * database; it doubles with each failure in a row of the same alert (1 s, 2 s,
 * 4 s, …) up to ALERT_RETRY_MAX_MS, so an alert that always fails is not
 * retried (and logged) every second, and is back to 1 s once it succeeds.
 */
export const ALERT_RETRY_MS = 1_000;
export const ALERT_RETRY_MAX_MS = 5 * 60_000;

/**
 * Price alerts on the same trigger index as resting orders. `above` and
 * `below` fire when the price reaches the level; `crosses` when it passes the
 * level from the side it was on. An `every_time` alert re-arms once the price
 * has gone back across the level, and fires again no sooner than its cooldown.
 * Firing is claimed in the database, so each crossing fires a `once` alert
 * exactly once, whatever ticks race and whatever restarts; what an
 * `every_time` alert waits for next is written with the claim, so a restart
 * resumes it instead of arming it fresh. A firing that fails is armed again
 * from the database after a pause, on a later tick.
 */
export class AlertService {
  private readonly index = new TriggerIndex<Armed>();
  /** Per market and window: the rolling low/high, and the move alerts sorted by their percentage. */
  private readonly moves = new Map<string, { window: MoveWindow; alerts: { percent: Decimal; armed: Armed }[] }>();
  /** Alerts out of the index until a time on `now` (after a failure, or a move alert's cooldown): armed again from the database on the first tick after it. */
  private readonly later = new Map<string, { userId: string; at: number }>();
  private nextLater = Number.POSITIVE_INFINITY;
  /** Failures in a row per alert (see ALERT_RETRY_MS). */
  private readonly failures = new Map<string, number>();
  private queue: Promise<void> = Promise.resolve();
  private expiryTimer: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  constructor(private readonly deps: AlertsDeps) {
    this.now = deps.now ?? Date.now;
  }

  async rebuild(): Promise<number> {
    // The rolling windows start from the stored one-minute candles, so a restart does not blind move alerts.
    const now = this.now();
    for (const spec of this.deps.specs) {
      const minutes = await listCandles(this.deps.db, {
        symbol: spec.symbol,
        interval: "1m",
        from: now - WINDOW_MS["24h"],
        limit: 1_440,
      });
      for (const window of ["5m", "1h", "24h"] as const) {
        const book = this.moveBook(spec.symbol, window);
        for (const candle of minutes) {
          book.window.add(candle.time, candle.low);
          book.window.add(candle.time + 30_000, candle.high);
        }
      }
    }
    const active = await listActiveAlerts(this.deps.db);
    for (const alert of active) this.arm(alert);
    // Deliveries left pending by an earlier run (or another instance) are due again.
    this.deps.webhooks.resume();
    // expire() contains its own failures.
    this.expiryTimer = setInterval(() => void this.expire(), 15_000);
    this.expiryTimer.unref();
    return active.length;
  }

  stop(): Promise<void> {
    clearInterval(this.expiryTimer);
    this.later.clear();
    // Deliveries in flight are cut short; they stay due in the database.
    const sending = this.deps.webhooks.stop();
    return Promise.all([this.queue, sending]).then(() => undefined);
  }

  async create(user: UserRow, body: CreateAlertBody): Promise<AlertResponse> {
    const last = this.deps.lastPrice(body.symbol);
    if (!findMarket(body.symbol, this.deps.specs) || !last)
      throw new AppError("not_found", `There is no market ${body.symbol}.`);
    if (body.condition === "move" && !new Decimal(body.percent ?? "0").greaterThan(0)) {
      throw new AppError("validation_failed", "percent must be above zero", {
        fields: { percent: "must be above zero" },
      });
    }
    if (body.webhookUrl) this.checkWebhook(user, body.webhookUrl);
    const alert = await this.withRoomForActive(user, undefined, (tx) =>
      insertAlert(tx, {
        userId: user.id,
        symbol: body.symbol,
        condition: body.condition,
        price: body.condition === "move" ? null : (body.price ?? null),
        percent: body.condition === "move" ? (body.percent ?? null) : null,
        window: body.condition === "move" ? (body.window ?? null) : null,
        frequency: body.frequency,
        cooldownSeconds: body.cooldownSeconds,
        expiresAt: body.expiresAt ? new Date(body.expiresAt) : null,
        note: body.note ?? null,
        webhookUrl: body.webhookUrl ?? null,
        status: "active",
        armedSide: body.condition === "crosses" ? sideOf(last, body.price ?? last) : null,
      }),
    );
    this.arm(alert);
    return toAlertResponse(alert);
  }

  async list(user: UserRow): Promise<AlertResponse[]> {
    return (await listAlerts(this.deps.db, { userId: user.id })).map(toAlertResponse);
  }

  async get(user: UserRow, id: string): Promise<AlertResponse> {
    return toAlertResponse(await this.find(user, id));
  }

  async update(user: UserRow, id: string, body: UpdateAlertBody): Promise<AlertResponse> {
    const current = await this.find(user, id);
    if (body.webhookUrl) this.checkWebhook(user, body.webhookUrl);
    if (
      body.status === "active" &&
      current.status === "paused" &&
      current.expiresAt &&
      current.expiresAt.getTime() <= this.now()
    ) {
      throw new AppError("validation_failed", "This alert has expired; set a new expiry to resume it.", {
        fields: { status: "the alert has expired" },
      });
    }
    const price = body.price ?? current.price;
    const last = this.deps.lastPrice(current.symbol) ?? price ?? "0";
    const write = (db: Db) =>
      updateAlert(db, {
        userId: user.id,
        id,
        set: {
          ...(body.price !== undefined ? { price: body.price } : {}),
          ...(body.frequency !== undefined ? { frequency: body.frequency } : {}),
          ...(body.cooldownSeconds !== undefined ? { cooldownSeconds: body.cooldownSeconds } : {}),
          ...(body.expiresAt !== undefined ? { expiresAt: body.expiresAt ? new Date(body.expiresAt) : null } : {}),
          ...(body.note !== undefined ? { note: body.note } : {}),
          ...(body.webhookUrl !== undefined ? { webhookUrl: body.webhookUrl } : {}),
          // Resuming (or re-arming a fired one) starts from where the price is now.
          ...(body.status !== undefined ? { status: body.status } : {}),
          ...(current.condition === "crosses" && price ? { armedSide: sideOf(last, price) } : {}),
          // A new level or a resumed alert no longer waits for the price to come back across the old one.
          ...(body.price !== undefined || body.status !== undefined ? { awaitingReturn: false } : {}),
        },
      });
    // Resuming a paused alert and re-arming a fired one make it active: the limit holds there as on create.
    const updated =
      body.status === "active" && current.status !== "active"
        ? await this.withRoomForActive(user, id, write)
        : await write(this.deps.db);
    if (!updated) throw notFound();
    this.disarm(id);
    this.arm(updated);
    return toAlertResponse(updated);
  }

  async remove(user: UserRow, id: string): Promise<void> {
    if (!(await deleteAlert(this.deps.db, { userId: user.id, id }))) throw notFound();
    this.disarm(id);
    this.failures.delete(id);
  }

  /** A new signing secret for the user's webhooks; the only time it is shown. */
  async newWebhookSecret(user: UserRow): Promise<string> {
    const secret = newWebhookSecret();
    await setWebhookSecret(this.deps.db, { userId: user.id, secret });
    return secret;
  }

  /**
   * Writes an alert that becomes active (a new one, or `alertId` resumed) if
   * the user has room for it: the count and the write are one transaction,
   * under the lock of the user's row, so requests made at once are counted
   * one after the other and never pass the limit together.
   */
  private withRoomForActive<T>(user: UserRow, alertId: string | undefined, write: (tx: Db) => Promise<T>): Promise<T> {
    return retryingTransaction(this.deps.db, async (tx) => {
      if (!(await lockUser(tx, user.id))) throw new AppError("unauthorized", "Sign in again.");
      const active = await countActiveAlerts(tx, { userId: user.id, exceptId: alertId });
      if (active >= this.deps.maxActivePerUser)
        throw new AppError("alert_limit", `You can have at most ${this.deps.maxActivePerUser} active alerts.`);
      return write(tx);
    });
  }

  private checkWebhook(user: UserRow, url: string): void {
    const problem = checkWebhookUrl(url, this.deps.allowInternalWebhooks);
    if (problem) throw new AppError("validation_failed", problem, { fields: { webhookUrl: problem } });
    if (!user.webhookSecret) {
      const message = "generate a webhook signing secret first (POST /api/alerts/webhook-secret)";
      throw new AppError("validation_failed", message, { fields: { webhookUrl: message } });
    }
  }

  async events(user: UserRow, query: { alertId?: string; limit: number }) {
    const rows = await listAlertEvents(this.deps.db, { userId: user.id, ...query });
    return rows.map(toEventResponse);
  }

  /** Called with every trade price. */
  onPrice(symbol: string, price: string, time: number = this.now()): void {
    this.armLater();
    const fired = [...this.index.fire(symbol, price), ...this.fireMoves(symbol, price, time)];
    if (fired.length === 0) return;
    this.enqueue(async () => {
      for (const armed of fired) {
        try {
          await (armed.rearm ? this.rearm(armed) : this.fire(armed, symbol, price));
          this.failures.delete(armed.alertId);
        } catch (error) {
          // Rolled back, so nothing of it is recorded: armed again from the database after a pause.
          this.deps.log?.(`alert ${armed.alertId} could not be processed: ${(error as Error).message}`);
          this.retryLater(armed);
        }
      }
    });
  }

  /** Resolves when every firing so far is recorded. */
  settled(): Promise<void> {
    return this.queue;
  }

  /** Work on the engine's queue; one step's failure never stops the next (the queue never rejects). */
  private enqueue(work: () => Promise<void>): void {
    this.queue = this.queue.then(work).catch((error: unknown) => {
      this.deps.log?.(`alert engine step failed: ${(error as Error).message}`);
    });
  }

  private retryLater(armed: Armed): void {
    const failures = (this.failures.get(armed.alertId) ?? 0) + 1;
    this.failures.set(armed.alertId, failures);
    this.armAt(armed, this.now() + Math.min(ALERT_RETRY_MS * 2 ** (failures - 1), ALERT_RETRY_MAX_MS));
  }

  private armAt(armed: Armed, at: number): void {
    this.later.set(armed.alertId, { userId: armed.userId, at });
    this.nextLater = Math.min(this.nextLater, at);
  }

  /** Arms, from the database, every alert whose pause is over (checked on each tick: only a tick can fire one). */
  private armLater(): void {
    const now = this.now();
    if (now < this.nextLater) return;
    const due: Armed[] = [];
    this.nextLater = Number.POSITIVE_INFINITY;
    for (const [alertId, entry] of this.later) {
      if (entry.at <= now) {
        this.later.delete(alertId);
        due.push({ alertId, userId: entry.userId, rearm: false });
      } else {
        this.nextLater = Math.min(this.nextLater, entry.at);
      }
    }
    if (due.length === 0) return;
    this.enqueue(async () => {
      for (const armed of due) {
        try {
          const alert = await findAlert(this.deps.db, { userId: armed.userId, id: armed.alertId });
          if (alert?.status !== "active") continue;
          this.disarm(alert.id);
          this.arm(alert);
        } catch (error) {
          this.deps.log?.(`alert ${armed.alertId} could not be armed again: ${(error as Error).message}`);
          this.retryLater(armed);
        }
      }
    });
  }

  private async fire(armed: Armed, symbol: string, price: string): Promise<void> {
    const alert = await findAlert(this.deps.db, { userId: armed.userId, id: armed.alertId });
    if (alert?.status !== "active") return;
    if (alert.expiresAt && alert.expiresAt.getTime() <= this.now()) {
      await updateAlert(this.deps.db, { userId: alert.userId, id: alert.id, set: { status: "expired" } });
      return;
    }
    const next = alert.frequency === "every_time" ? this.afterCrossing(alert) : {};
    const claimed = await retryingTransaction(this.deps.db, async (tx) => {
      const row = await claimAlertFiring(tx, alert, next);
      if (!row) {
        // Held back by its cooldown: the crossing still happened, and it waits for the next one all the same.
        if (Object.keys(next).length > 0) await updateAlert(tx, { userId: alert.userId, id: alert.id, set: next });
        return null;
      }
      const event = await insertAlertEvent(tx, {
        alertId: alert.id,
        userId: alert.userId,
        symbol,
        price,
        webhookStatus: alert.webhookUrl ? "pending" : "none",
      });
      // The body and its due time are kept with the firing, so the delivery survives a restart.
      const payload = alert.webhookUrl
        ? JSON.stringify({ type: "alert.triggered", alert: toAlertResponse(row), event: toEventResponse(event) })
        : null;
      if (payload) await scheduleWebhook(tx, { eventId: event.id, payload, at: new Date() });
      return { row, event, payload };
    });
    if (alert.frequency === "every_time") this.armAfterFiring({ ...alert, ...next });
    if (!claimed) return;
    try {
      await this.announce(alert, claimed);
    } catch (error) {
      // The firing is recorded (it shows in the history): it is not fired again.
      this.deps.log?.(`alert ${alert.id} fired but could not be announced: ${(error as Error).message}`);
    }
  }

  private async announce(
    alert: AlertRow,
    claimed: { row: AlertRow; event: AlertEventRow; payload: string | null },
  ): Promise<void> {
    if (alert.webhookUrl && claimed.payload) {
      const owner = await findUserById(this.deps.db, alert.userId);
      // Without a secret the sender's next poll records why it cannot deliver.
      if (owner?.webhookSecret) {
        this.deps.webhooks.send({
          eventId: claimed.event.id,
          userId: alert.userId,
          url: alert.webhookUrl,
          secret: owner.webhookSecret,
          body: claimed.payload,
        });
      }
    }
    this.deps.notify(alert.userId, {
      kind: "alert",
      alert: toAlertResponse(claimed.row),
      event: toEventResponse(claimed.event),
    });
  }

  /**
   * What an `every_time` alert waits for after a crossing (fired, or held
   * back by its cooldown), as written on its row: a `crosses` alert the
   * crossing the other way; `above`/`below` the price going back across the
   * level (unless it already has: firing is recorded a moment after the tick).
   */
  private afterCrossing(alert: AlertRow): Pick<NewAlert, "armedSide" | "awaitingReturn"> {
    if (alert.condition === "crosses") return { armedSide: alert.armedSide === "below" ? "above" : "below" };
    if (alert.condition === "move" || !alert.price) return {};
    return { awaitingReturn: !this.isBack(alert, alert.price) };
  }

  /** The last price is strictly on the other side of the level: a price resting exactly on it does not flap. */
  private isBack(alert: AlertRow, level: string): boolean {
    const last = this.deps.lastPrice(alert.symbol);
    if (last === undefined) return false;
    return alert.condition === "above" ? new Decimal(last).lessThan(level) : new Decimal(last).greaterThan(level);
  }

  private armAfterFiring(alert: AlertRow): void {
    if (alert.condition === "move") {
      // The move stays in the window for a while: listen again after the cooldown (at least a few seconds).
      this.armAt(
        { alertId: alert.id, userId: alert.userId, rearm: false },
        this.now() + Math.max(5, alert.cooldownSeconds) * 1000,
      );
      return;
    }
    this.arm(alert);
  }

  /** The price reached the level again from the other side: the alert may fire on its next crossing. */
  private async rearm(armed: Armed): Promise<void> {
    const alert = await findAlert(this.deps.db, { userId: armed.userId, id: armed.alertId });
    if (alert?.status !== "active") return;
    if (alert.awaitingReturn && alert.price && !this.isBack(alert, alert.price)) {
      this.arm(alert); // still there: keeps waiting
      return;
    }
    const updated = alert.awaitingReturn
      ? await updateAlert(this.deps.db, { userId: alert.userId, id: alert.id, set: { awaitingReturn: false } })
      : alert;
    if (updated) this.arm(updated);
  }

  private arm(alert: AlertRow): void {
    if (alert.status !== "active") return;
    if (alert.condition === "move") {
      if (!alert.percent || !alert.window) return;
      const entry = this.moveBook(alert.symbol, alert.window);
      const percent = new Decimal(alert.percent);
      entry.alerts = entry.alerts.filter((a) => a.armed.alertId !== alert.id);
      const at = entry.alerts.findIndex((a) => a.percent.greaterThan(percent));
      entry.alerts.splice(at === -1 ? entry.alerts.length : at, 0, {
        percent,
        armed: { alertId: alert.id, userId: alert.userId, rearm: false },
      });
      return;
    }
    if (!alert.price) return;
    if (alert.awaitingReturn && alert.frequency === "every_time" && alert.condition !== "crosses") {
      const back: TriggerDirection = alert.condition === "above" ? "fall" : "rise";
      this.index.remove(alert.id);
      this.index.add(`rearm:${alert.id}`, alert.symbol, back, alert.price, {
        alertId: alert.id,
        userId: alert.userId,
        rearm: true,
      });
      return;
    }
    this.index.remove(`rearm:${alert.id}`);
    const direction: TriggerDirection =
      alert.condition === "above"
        ? "rise"
        : alert.condition === "below"
          ? "fall"
          : alert.armedSide === "above"
            ? "fall"
            : "rise";
    this.index.add(alert.id, alert.symbol, direction, alert.price, {
      alertId: alert.id,
      userId: alert.userId,
      rearm: false,
    });
  }

  private disarm(id: string): void {
    this.later.delete(id);
    this.index.remove(id);
    this.index.remove(`rearm:${id}`);
    for (const book of this.moves.values()) book.alerts = book.alerts.filter((a) => a.armed.alertId !== id);
  }

  private moveBook(symbol: string, window: "5m" | "1h" | "24h") {
    const key = `${symbol}:${window}`;
    let book = this.moves.get(key);
    if (!book) {
      book = { window: new MoveWindow(WINDOW_MS[window]), alerts: [] };
      this.moves.set(key, book);
    }
    return book;
  }

  /**
   * Every market's rolling windows take every price; the move alerts of a
   * window, sorted by percentage, fire as a prefix: O(log n + fired).
   */
  private fireMoves(symbol: string, price: string, time: number): Armed[] {
    const fired: Armed[] = [];
    for (const window of ["5m", "1h", "24h"] as const) {
      const book = this.moveBook(symbol, window);
      book.window.add(time, price);
      if (book.alerts.length === 0) continue;
      const move = book.window.movePercent(price);
      let count = 0;
      while (count < book.alerts.length && (book.alerts[count]?.percent.lessThanOrEqualTo(move) ?? false)) count++;
      for (const entry of book.alerts.splice(0, count)) fired.push(entry.armed);
    }
    return fired;
  }

  private async expire(): Promise<void> {
    try {
      for (const alert of await expireAlerts(this.deps.db)) {
        this.disarm(alert.id);
        this.deps.notify(alert.userId, { kind: "alert", alert: toAlertResponse(alert) });
      }
    } catch (error) {
      this.deps.log?.(`expiring alerts failed: ${(error as Error).message}`);
    }
  }

  private async find(user: UserRow, id: string): Promise<AlertRow> {
    const alert = await findAlert(this.deps.db, { userId: user.id, id });
    if (!alert) throw notFound();
    return alert;
  }
}

const WINDOW_MS = { "5m": 300_000, "1h": 3_600_000, "24h": 86_400_000 } as const;

const notFound = () => new AppError("not_found", "There is no such alert.");

/** Which side of `level` the price is on (at the level counts as below: crossing means going above it). */
function sideOf(price: string, level: string): "below" | "above" {
  return new Decimal(price).greaterThan(level) ? "above" : "below";
}

const trim = (value: string | null) => (value === null ? null : new Decimal(value).toFixed());

export function toAlertResponse(alert: AlertRow): AlertResponse {
  return {
    id: alert.id,
    symbol: alert.symbol,
    condition: alert.condition,
    price: trim(alert.price),
    percent: trim(alert.percent),
    window: alert.window,
    frequency: alert.frequency,
    cooldownSeconds: alert.cooldownSeconds,
    expiresAt: alert.expiresAt?.toISOString() ?? null,
    note: alert.note,
    webhookUrl: alert.webhookUrl,
    status: alert.status,
    lastTriggeredAt: alert.lastTriggeredAt?.toISOString() ?? null,
    createdAt: alert.createdAt.toISOString(),
  };
}

function toEventResponse(event: AlertEventRow) {
  return {
    id: event.id,
    alertId: event.alertId,
    symbol: event.symbol,
    price: trim(event.price) ?? "0",
    triggeredAt: event.triggeredAt.toISOString(),
    webhookStatus: event.webhookStatus,
    webhookAttempts: event.webhookAttempts,
  };
}
