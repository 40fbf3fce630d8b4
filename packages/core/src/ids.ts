const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether a text is a UUID (any version), as the database's uuid columns take it. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
