/**
 * Captures the statements the api sends Postgres for one request and writes them as a
 * pgbench script, so the baseline runs exactly the api's SQL (same texts, same
 * transaction boundaries, same round trips) without HTTP or JavaScript in between.
 *
 * In the script, the account's user id is built from a pgbench variable (accounts have
 * ids whose last digits are their number, see accounts.ts), a value that an earlier
 * statement returned (the new order's id) is taken from that statement with `\gset`,
 * and every other parameter is written as the literal the api sent. A parameter that
 * carries many values in one text (the group commit's JSON) gets the account's id
 * replaced inside it, and every other uuid in it (ids the api made for the new rows) a
 * fresh one per run. With
 * `-M prepared` pgbench prepares each statement once per connection, as the api does.
 */
import type { CapturedStatement } from "./wire-capture.ts";

const quote = (value: string) => `'${value.replaceAll("'", "''")}'`;

export interface PgbenchScriptOptions {
  /** The account id the request ran as, and the SQL expression that replaces it. */
  account: { id: string; sql: string };
  /** Lines put before the statements (`\set` commands). */
  preamble: string[];
  comment: string;
}

/**
 * Replaces `$n` outside quoted strings. Inside them pgbench would read `:name` as a variable (a time
 * format's 'HH24:MI:SS'): such a literal is written as a concatenation, parenthesized, that splits
 * after each such colon, and Postgres folds it back into the one constant when it plans.
 */
function substitute(sql: string, replace: (index: number) => string): string {
  let out = "";
  let inString = false;
  for (let i = 0; i < sql.length; i++) {
    const ch = sql[i] ?? "";
    if (ch === "'" && !inString) {
      const end = sql.indexOf("'", i + 1);
      const literal = sql.slice(i, end + 1);
      if (end > i && /:[A-Za-z_]/.test(literal)) {
        out += `(${literal.replace(/:(?=[A-Za-z_])/g, ":' || '")})`;
        i = end;
        continue;
      }
    }
    if (ch === "'") inString = !inString;
    if (!inString && ch === "$" && /\d/.test(sql[i + 1] ?? "")) {
      let j = i + 1;
      while (/\d/.test(sql[j] ?? "")) j++;
      out += replace(Number(sql.slice(i + 1, j)));
      i = j - 1;
      continue;
    }
    out += ch;
  }
  return out;
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/** A text holding uuids: the account's becomes the account expression, each other one a new uuid per run. */
function withFreshIds(value: string, account: { id: string; sql: string }): string {
  const made = [...new Set(value.match(UUID) ?? [])].filter((id) => id !== account.id);
  // pgbench reads `:name` as a variable even inside a literal ("c":null, "n":0): JSON allows a space there.
  const spaced = value.replaceAll('":', '": ');
  let expression = `replace(${quote(spaced)}, ${quote(account.id)}, (${account.sql})::text)`;
  for (const id of made) expression = `replace(${expression}, ${quote(id)}, gen_random_uuid()::text)`;
  return expression;
}

export function toPgbenchScript(statements: readonly CapturedStatement[], options: PgbenchScriptOptions): string {
  // Values that earlier statements returned: value -> variable name (`\gset sN_` on that statement).
  const returned = new Map<string, string>();
  const gsetOf = new Map<number, string>();
  const lines: string[] = [];
  const bodies = statements.map((statement, index) => {
    const sql = substitute(statement.sql.trim(), (n) => {
      const value = statement.params[n - 1];
      if (value === undefined) throw new Error(`statement ${index} has no parameter $${n}`);
      if (value === null) return "NULL";
      if (value === options.account.id) return options.account.sql;
      const variable = returned.get(value);
      if (variable) {
        const [, source] = /^s(\d+)_/.exec(variable) ?? [];
        gsetOf.set(Number(source), `s${source}_`);
        return `:${variable}`;
      }
      return value.length > 36 && /[0-9a-f]{8}-[0-9a-f]{4}-/.test(value)
        ? withFreshIds(value, options.account)
        : quote(value);
    });
    if (statement.rows.length === 1) {
      statement.columns.forEach((column, c) => {
        const value = statement.rows[0]?.[c];
        // Ids the database made (uuids): later statements refer to them.
        if (value && /^[0-9a-f-]{36}$/.test(value) && value !== options.account.id && !returned.has(value))
          returned.set(value, `s${index}_${column}`);
      });
    }
    return sql;
  });
  lines.push(`-- ${options.comment}`, ...options.preamble);
  bodies.forEach((sql, index) => {
    const gset = gsetOf.get(index);
    lines.push(gset ? `${sql} \\gset ${gset}` : `${sql};`);
  });
  return `${lines.join("\n")}\n`;
}
