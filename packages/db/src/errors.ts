/** True when a database error is a unique-constraint violation (SQLSTATE 23505), on either driver. */
export function isUniqueViolation(error: unknown): boolean {
  return sqlState(error) === "23505";
}

/** True when a CHECK constraint refused the change (SQLSTATE 23514): e.g. a balance would go negative. */
export function isCheckViolation(error: unknown): boolean {
  return sqlState(error) === "23514";
}

function sqlState(error: unknown): string | undefined {
  // Drizzle wraps driver errors; the SQLSTATE sits on the error or on its cause.
  for (let e: unknown = error; e && typeof e === "object"; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

/** True when Postgres broke a lock cycle (40P01) or a serialization conflict (40001): the transaction may simply run again. */
export function isRetryableConflict(error: unknown): boolean {
  const state = sqlState(error);
  return state === "40P01" || state === "40001";
}
