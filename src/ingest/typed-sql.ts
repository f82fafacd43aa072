/*
 * SQL pieces shared by the importers that read files in DuckDB (FOCUS, AWS
 * CUR): each builds `src → typed → checks` (see focus/sql.ts) from these, so
 * money and timestamps are parsed the same, fast, way everywhere.
 */

export const ident = (name: string): string => `"${name.replaceAll('"', '""')}"`;

export const VARCHAR = /^(VARCHAR|JSON|TEXT|STRING)$/i;
export const FLOAT = /^(DOUBLE|FLOAT|REAL|FLOAT4|FLOAT8)$/i;
export const TIMESTAMP = /^(TIMESTAMP|TIMESTAMP WITH TIME ZONE|TIMESTAMPTZ|TIMESTAMP_NS|TIMESTAMP_MS|TIMESTAMP_S|DATE)$/i;

/** One reason a row can be invalid. */
export interface Check {
  /** The column named in the error, as the file spells it. */
  column: string;
  /** True (never NULL) when the row is invalid for this reason. */
  bad: string;
  /** SQL VARCHAR: why. */
  why: string;
}

/**
 * Text → DECIMAL(38,12). DuckDB parses text into a 38-digit decimal about 100
 * times slower than into an 18-digit one (3 µs a value for `501.5045135406`),
 * so try DECIMAL(18,12) (|x| < 10^6) first; only larger amounts, or text that
 * is no number at all, take the slow path. Both round at the 12th decimal.
 */
export function decimalFromText(x: string): string {
  return `coalesce(CAST(try_cast(${x} AS DECIMAL(18, 12)) AS DECIMAL(38, 12)), try_cast(${x} AS DECIMAL(38, 12)))`;
}

/**
 * Text → TIMESTAMP in UTC. Through TIMESTAMPTZ, so that `…+02:00` and other
 * offsets are converted (a plain TIMESTAMP cast ignores them!) and a value
 * without an offset is UTC (the store's session time zone). That cast is 4
 * times slower than the plain one, so text laid out exactly as
 * `YYYY-MM-DD HH:MM:SS` or `YYYY-MM-DDTHH:MM:SS[Z]`, which has no room for an
 * offset, takes the plain cast.
 */
export function timestampFromText(x: string): string {
  const plain = `(length(${x}) = 19 OR (length(${x}) = 20 AND ${x}[20] = 'Z')) AND ${x}[5] = '-' AND ${x}[8] = '-' AND ${x}[14] = ':' AND ${x}[17] = ':'`;
  // Minute precision with a zone (`2024-08-16T00:00Z`: Oracle, Azure FOCUS before 1.0r2) is not ISO enough for DuckDB: add the seconds.
  const minutes = `regexp_replace(${x}, '^(\\d{4}-\\d{2}-\\d{2}[T ]\\d{2}:\\d{2})(Z|[+-]\\d{2}(:?\\d{2})?)$', '\\1:00\\2')`;
  return `CASE WHEN ${plain} THEN try_cast(${x} AS TIMESTAMP) ELSE CAST(coalesce(try_cast(${x} AS TIMESTAMPTZ), try_cast(${minutes} AS TIMESTAMPTZ)) AS TIMESTAMP) END`;
}

/**
 * A typed (Parquet) timestamp column → TIMESTAMP in UTC. Casting a
 * TIMESTAMPTZ goes through ICU's calendar, 0.4 µs a value (a third of what
 * typing a FOCUS row costs); in UTC, the store's session time zone (see
 * Store.open), the result is the value's own microseconds. ±infinity has no
 * epoch and takes the cast.
 */
export function timestampFromTyped(x: string, type: string): string {
  if (/^TIMESTAMP$/i.test(type)) return x;
  if (/^(TIMESTAMP WITH TIME ZONE|TIMESTAMPTZ)$/i.test(type)) return `coalesce(make_timestamp(epoch_us(${x})), CAST(${x} AS TIMESTAMP))`;
  return `CAST(${x} AS TIMESTAMP)`;
}

/**
 * A parsed timestamp outside the years a bill can have: before 2000, or (for
 * the start of a period) past next year, or (for an end, which may run years
 * ahead for a commitment) ten years after that. Such a row could never be
 * attributed (a ChargePeriodStart in year 20260 names no period anyone runs),
 * so it is an invalid row, not a stored one.
 */
export function timestampRangeCheck(column: string, alias: string, text: string, edge: 'start' | 'end', now: Date = new Date()): Check {
  const last = now.getUTCFullYear() + (edge === 'start' ? 1 : 11);
  return {
    column,
    bad: `coalesce(${alias} < TIMESTAMP '2000-01-01' OR ${alias} >= TIMESTAMP '${last + 1}-01-01', false)`,
    why: `'out of range (2000 to ${last}): ' || ${quoted(text)}`,
  };
}

/** A cell's text for an error message: JSON-quoted, at most 200 characters. */
export const quoted = (textExpr: string): string => `to_json(left(${textExpr}, 200))::VARCHAR`;
