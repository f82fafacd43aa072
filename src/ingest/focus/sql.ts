import { sqlString } from '../../store/db.ts';
import { InputError } from '../../util/errors.ts';
import { decimalFromText, FLOAT, ident, quoted, timestampFromText, timestampFromTyped, timestampRangeCheck, TIMESTAMP, VARCHAR, type Check } from '../typed-sql.ts';
import type { ColumnMapping, SourceColumn } from './columns.ts';
import type { FocusFormat } from './source.ts';

/**
 * The SQL that reads one FOCUS file. Three layers, all in DuckDB:
 *
 *   src    the file as it is: `__line` plus the file's columns renamed `__c0…`
 *          (CSV: every column VARCHAR, no type sniffing);
 *   typed  src plus one parsed value per line_items column (try_cast: a bad
 *          value becomes NULL, never an error);
 *   checks per row, the first invalid column and why, from typed and src.
 *
 * CSV: one INSERT … SELECT into stage_line_items that stores an invalid row
 * with a negative source_line. Parquet: stage_line_items is a view of the
 * valid rows (stageView); the file's row count comes from its footer
 * (rowCount), so the difference is the invalid rows. Only when there are
 * some is the file read again to say which column is wrong and why
 * (invalidRows).
 */

/** Every case spelling of "null", plus the empty field. */
export const CSV_NULLS: readonly string[] = [
  '',
  ...Array.from({ length: 16 }, (_, bits) =>
    [...'null'].map((ch, i) => ((bits >> i) & 1 ? ch.toUpperCase() : ch)).join(''),
  ),
];

const EXACT_NUMBER = /^(DECIMAL\(\d+,\s*\d+\)|DECIMAL|NUMERIC.*|TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT)$/i;
const TAG_MAP = /^(MAP\(.*\)|STRUCT\(.*\))$/i;

/** Source rows as a relation: `__line` (file line, or Parquet row number) and `__c<i>` columns. */
export function sourceSql(file: string, format: FocusFormat, columns: readonly SourceColumn[]): string {
  if (format === 'parquet') {
    const cols = columns.map((c) => `${ident(c.name)} AS ${c.ref}`).join(', ');
    return `SELECT file_row_number + 1 AS __line, ${cols} FROM read_parquet(${sqlString(file)}, file_row_number = true)`;
  }
  const declared = columns.map((c) => `${sqlString(c.ref)}: 'VARCHAR'`).join(', ');
  // row_number() OVER () runs as DuckDB's streaming window: it numbers rows in
  // file order. `__line` here is record number + 1, the physical line of a
  // file with no blank lines and no line breaks inside quoted fields; the
  // caller corrects it for the others (see scanRecordLines in ../files.ts).
  return `SELECT row_number() OVER () + 1 AS __line, * FROM read_csv(${sqlString(file)},
      header = true, auto_detect = false, columns = {${declared}},
      delim = ',', quote = '"', escape = '"',
      nullstr = [${CSV_NULLS.map(sqlString).join(', ')}],
      compression = ${format === 'csv.gz' ? "'gzip'" : "'none'"})`;
}

export interface FocusSql {
  /** INSERT INTO stage_line_items … from the file; invalid rows get source_line = -line. */
  stageInsert: string;
  /** Invalid rows: line, column_name, reason, raw (JSON of the row as read), and the account, period, currency and BilledCost where they read; by line. */
  invalidRows: string;
  /** Parquet: the file's rows, from its footer (no scan). */
  rowCount: string;
  /** Parquet: CREATE TEMP VIEW stage_line_items over the file's valid rows. */
  stageView: string;
}


/** Builds the SQL for one file, refusing column types that cannot hold what FOCUS says they hold. */
export function buildFocusSql(file: string, format: FocusFormat, columns: readonly SourceColumn[], mapping: ColumnMapping): FocusSql {
  const typed: string[] = [];
  const targetCols: string[] = [];
  const targets: string[] = [];
  const checks: Check[] = [];
  const isCsv = format !== 'parquet';

  for (const [col, src] of mapping.mapped) {
    const x = src.ref;
    const type = src.type.trim();
    const varchar = VARCHAR.test(type);
    const text = varchar ? x : `CAST(${x} AS VARCHAR)`;
    // CSV: '' is already NULL (nullstr); Parquet strings may be ''.
    const missing = varchar && !isCsv ? `(${x} IS NULL OR ${x} = '')` : `${x} IS NULL`;
    const refuse = (what: string): never => {
      throw new InputError(file, undefined, src.name, `has type ${type}, which cannot hold ${what}`);
    };
    const t = col.column;
    targetCols.push(t);
    targets.push(col.kind === 'tags' ? `coalesce(${t}, MAP {}::MAP(VARCHAR, VARCHAR))` : t);
    switch (col.kind) {
      case 'string':
        typed.push(`${varchar && isCsv ? x : `nullif(${text}, '')`} AS ${t}`);
        if (col.requiredValue) checks.push({ column: src.name, bad: `${t} IS NULL`, why: `'missing value'` });
        break;
      case 'money':
      case 'quantity': {
        let expr: string;
        if (varchar) expr = decimalFromText(x);
        else if (EXACT_NUMBER.test(type)) expr = `try_cast(${x} AS DECIMAL(38, 12))`;
        // A binary float goes through its shortest round-trip text (0.1, not
        // 0.1000000000000000055…): the decimal the producer most likely wrote.
        else if (FLOAT.test(type)) expr = decimalFromText(`CAST(${x} AS VARCHAR)`);
        else refuse('a decimal amount');
        typed.push(`${expr!} AS ${t}`);
        const why = `CASE WHEN coalesce(isfinite(try_cast(${text} AS DOUBLE)), false) THEN 'out of range for DECIMAL(38,12): ' ELSE 'not a decimal number: ' END || ${quoted(text)}`;
        if (col.requiredValue) {
          checks.push({ column: src.name, bad: `${t} IS NULL`, why: `CASE WHEN ${missing} THEN 'missing value' ELSE ${why} END` });
        } else {
          checks.push({ column: src.name, bad: `(${t} IS NULL AND NOT ${missing})`, why });
        }
        break;
      }
      case 'timestamp': {
        let expr: string;
        // '2024-09-18 22:00:00', '…T22:00:00Z' and '…+02:00' all become UTC;
        // a TIMESTAMPTZ column is converted to UTC (the session time zone).
        if (varchar) expr = timestampFromText(x);
        else if (TIMESTAMP.test(type)) expr = timestampFromTyped(x, type);
        else refuse('a timestamp');
        typed.push(`${expr!} AS ${t}`);
        checks.push({
          column: src.name,
          bad: `${t} IS NULL`,
          why: `CASE WHEN ${missing} THEN 'missing value' ELSE 'not a timestamp: ' || ${quoted(text)} END`,
        });
        checks.push(timestampRangeCheck(src.name, t, text, t.endsWith('_start') ? 'start' : 'end'));
        break;
      }
      case 'tags': {
        let expr: string;
        let parsedFromJson = false;
        if (varchar) {
          expr = `try_cast(try_cast(${x} AS JSON) AS MAP(VARCHAR, VARCHAR))`;
          parsedFromJson = true;
        } else if (/^MAP\(VARCHAR,\s*VARCHAR\)$/i.test(type)) expr = x;
        else if (TAG_MAP.test(type)) expr = `try_cast(to_json(${x}) AS MAP(VARCHAR, VARCHAR))`;
        else refuse('tags (a JSON object or a MAP)');
        typed.push(`${expr!} AS ${t}`);
        // JSON `null` (Parquet text; in CSV it is already NULL) is no tags, like a NULL cell.
        const noTags = varchar ? `(${missing} OR lower(trim(${x})) = 'null')` : missing;
        checks.push({ column: src.name, bad: `(${t} IS NULL AND NOT ${noTags})`, why: `'not a JSON object: ' || ${quoted(text)}` });
        if (parsedFromJson) {
          // DuckDB keeps both entries of a repeated key (and tags['k'] would
          // see the first): refuse it. Tags mostly have two or three keys, which
          // are compared directly: a lambda over the list cost 1 µs a row.
          const k = (i: number): string => `map_keys(${t})[${i}]`;
          checks.push({
            column: src.name,
            bad: `coalesce(CASE cardinality(${t}) WHEN 0 THEN false WHEN 1 THEN false WHEN 2 THEN ${k(1)} = ${k(2)}
              WHEN 3 THEN ${k(1)} = ${k(2)} OR ${k(1)} = ${k(3)} OR ${k(2)} = ${k(3)}
              ELSE list_unique(map_keys(${t})) < cardinality(${t}) END, false)`,
            why: `'duplicate key in JSON object: ' || ${quoted(text)}`,
          });
        }
        break;
      }
    }
  }

  // Tags are never NULL in line_items: no Tags column, or a NULL cell, is an empty map.
  if (!targetCols.includes('tags')) {
    targetCols.push('tags');
    targets.push('MAP {}::MAP(VARCHAR, VARCHAR)');
  }

  const byName = (name: string): SourceColumn => [...mapping.mapped].find(([c]) => c.name === name)![1];
  for (const [start, end, startName, endName] of [
    ['billing_period_start', 'billing_period_end', 'BillingPeriodStart', 'BillingPeriodEnd'],
    ['charge_period_start', 'charge_period_end', 'ChargePeriodStart', 'ChargePeriodEnd'],
  ] as const) {
    const s = byName(startName);
    const e = byName(endName);
    const text = (c: SourceColumn): string => (VARCHAR.test(c.type) ? c.ref : `CAST(${c.ref} AS VARCHAR)`);
    checks.push({
      column: e.name,
      bad: `coalesce(${end} < ${start}, false)`,
      why: `${quoted(text(e))} || ' is before ${s.name.replaceAll("'", "''")} ' || ${quoted(text(s))}`,
    });
  }

  const extra = mapping.extra.length
    ? `json_object(${mapping.extra.map((c) => `${sqlString(c.name)}, ${c.ref}`).join(', ')})`
    : 'NULL::JSON';
  const raw = `json_object(${columns.map((c) => `${sqlString(c.name)}, ${c.ref}`).join(', ')})`;
  const bad = checks.map((c) => c.bad).join(' OR ');
  const typedSql = `SELECT *, ${typed.join(', ')} FROM (${sourceSql(file, format, columns)})`;

  const stageInsert = `INSERT INTO stage_line_items (source_line, ${targetCols.join(', ')}, extra)
    SELECT CASE WHEN ${bad} THEN -__line ELSE __line END, ${targets.join(', ')}, ${extra}
    FROM (${typedSql})`;
  const caseOf = (pick: (c: Check) => string): string =>
    `CASE ${checks.map((c) => `WHEN ${c.bad} THEN ${pick(c)}`).join(' ')} END`;
  // What the row would have added to the bill, as far as it reads (the tie-out's completeness).
  const invalidRows = `SELECT __line AS line, ${caseOf((c) => sqlString(c.column))} AS column_name, ${caseOf((c) => c.why)} AS reason, ${raw} AS raw,
      billing_account_id, strftime(billing_period_start, '%Y-%m') AS billing_period, billing_currency AS currency, billed_cost
    FROM (${typedSql}) WHERE ${bad} ORDER BY __line`;
  const rowCount = `SELECT sum(num_rows)::BIGINT AS total FROM parquet_file_metadata(${sqlString(file)})`;
  const stageView = `CREATE TEMP VIEW stage_line_items AS
     SELECT __line AS source_line, ${targets.map((t, i) => `${t} AS ${targetCols[i]}`).join(', ')}, ${extra} AS extra
     FROM (${typedSql}) WHERE NOT (${bad})`;
  return { stageInsert, invalidRows, rowCount, stageView };
}
