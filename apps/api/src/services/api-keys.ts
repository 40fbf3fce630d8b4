import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { ApiKey, ApiKeyScope, CreateApiKeyBody, CreatedApiKey } from "@tradeboard/contracts";
import {
  type ApiKeyRow,
  type Db,
  findApiKeyWithUser,
  insertApiKey,
  listApiKeys,
  revokeApiKey,
  touchApiKeys,
  type UserRow,
} from "@tradeboard/db";
import { AppError } from "../errors.ts";

/** Crockford's base32 without padding: upper case, no I, L, O, U (what a person copies without mistakes). */
const BASE32 = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const KEY_ID_PREFIX = "TB";
const MAX_ACTIVE_KEYS = 50;
const TOUCH_INTERVAL_MS = 60_000;
const MAX_TOUCHED = 100_000;

function base32(bytes: Buffer): string {
  let out = "";
  for (const byte of bytes) out += BASE32[byte & 31];
  return out;
}

function hashSecret(secret: string): Buffer {
  return createHash("sha256").update(secret, "utf8").digest();
}

export interface VerifiedKey {
  user: UserRow;
  key: { id: string; scope: ApiKeyScope };
}

/**
 * API keys: a public id (`TB` + 18 base32 characters) and a secret of 32
 * random bytes (base64url). Only the secret's SHA-256 is stored: the secret has
 * 256 bits of entropy, so a slow password hash would add nothing but latency.
 * Every request reads the key and its owner from the database in one
 * statement, so a revocation (or a deleted user) takes effect at once on every
 * api instance; nothing about a key is cached but when it was last written as
 * used.
 */
export class ApiKeyService {
  /** Key id → when its last_used_at was last written (ms), so a busy key costs one write a minute. */
  private readonly touched = new Map<string, number>();
  private readonly revokeListeners: ((keyId: string) => void)[] = [];

  constructor(private readonly deps: { db: Db; now?: () => number; log?: (message: string) => void }) {}

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  async create(user: UserRow, body: CreateApiKeyBody): Promise<CreatedApiKey> {
    const existing = await listApiKeys(this.deps.db, { userId: user.id });
    if (existing.filter((k) => k.revokedAt === null).length >= MAX_ACTIVE_KEYS) {
      throw new AppError("api_key_limit", `At most ${MAX_ACTIVE_KEYS} active API keys; revoke one first.`);
    }
    const keyId = KEY_ID_PREFIX + base32(randomBytes(18));
    const secret = randomBytes(32).toString("base64url");
    const row = await insertApiKey(this.deps.db, {
      userId: user.id,
      keyId,
      secretHash: hashSecret(secret).toString("hex"),
      name: body.name,
      scope: body.scope,
    });
    return {
      id: row.id,
      keyId: row.keyId,
      secret,
      name: row.name,
      scope: row.scope,
      createdAt: row.createdAt.toISOString(),
    };
  }

  async list(user: UserRow): Promise<ApiKey[]> {
    return (await listApiKeys(this.deps.db, { userId: user.id })).map(toApiKey);
  }

  async revoke(user: UserRow, id: string): Promise<void> {
    const row = await revokeApiKey(this.deps.db, { userId: user.id, id, now: new Date(this.now()) });
    if (!row) throw new AppError("not_found", "There is no such active API key.");
    this.touched.delete(row.id);
    for (const listener of this.revokeListeners) listener(row.keyId);
  }

  /** Called with the key id of each key revoked here (open streams of that key are closed). */
  onRevoke(listener: (keyId: string) => void): void {
    this.revokeListeners.push(listener);
  }

  /** The key's owner and scope, or null for an unknown key, a wrong secret or a revoked key. */
  async verify(keyId: string, secret: string): Promise<VerifiedKey | null> {
    if (keyId.length === 0 || keyId.length > 64 || secret.length === 0 || secret.length > 256) return null;
    const found = await findApiKeyWithUser(this.deps.db, keyId);
    // Hash either way, so an unknown key id costs the same as a wrong secret.
    const presented = hashSecret(secret);
    if (!found) return null;
    const stored = Buffer.from(found.key.secretHash, "hex");
    if (stored.length !== presented.length || !timingSafeEqual(stored, presented)) return null;
    if (found.key.revokedAt !== null) return null;
    this.touch(found.key);
    return { user: found.user, key: { id: found.key.id, scope: found.key.scope } };
  }

  /** Writes last_used_at at most once a minute per key, in the background. */
  private touch(key: ApiKeyRow): void {
    const now = this.now();
    const last = this.touched.get(key.id) ?? key.lastUsedAt?.getTime() ?? 0;
    if (now - last < TOUCH_INTERVAL_MS) return;
    if (this.touched.size >= MAX_TOUCHED) {
      for (const [id, at] of this.touched) if (now - at >= TOUCH_INTERVAL_MS) this.touched.delete(id);
      if (this.touched.size >= MAX_TOUCHED) this.touched.clear();
    }
    this.touched.set(key.id, now);
    touchApiKeys(this.deps.db, { ids: [key.id], at: new Date(now) }).catch((error: Error) => {
      this.touched.delete(key.id);
      this.deps.log?.(`could not record the use of an API key: ${error.message}`);
    });
  }
}

export function toApiKey(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    keyId: row.keyId,
    name: row.name,
    scope: row.scope,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
  };
}
