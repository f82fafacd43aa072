import { sqlString } from '../../store/db.ts';
import { InputError } from '../../util/errors.ts';
import { decimalFromText, FLOAT, ident, quoted, timestampFromText, timestampFromTyped, timestampRangeCheck, TIMESTAMP, VARCHAR, type Check } from '../typed-sql.ts';
import { byCanonical, cur2TagKeySql, type CurColumn, type CurFlavour } from './columns.ts';
import { isGzip, isHive, isText, type CurFormat } from './source.ts';

/**
 * The SQL that reads one CUR file and maps it to FOCUS, all in DuckDB. Three
 * layers, as in the FOCUS importer:
 *
 *   src    the file as it is: `__line` plus its columns renamed `__c0…`
 *          (text files: every column VARCHAR, no type sniffing);
 *   typed  src plus `f_*`: the CUR fields Allot reads, parsed (try_cast: a bad
 *          value becomes NULL, never an error), NULL for a column the file
 *          does not have (months differ: schema drift is normal);
 *   checks per row, the first invalid column and why.
 *
 * Text files: one INSERT … SELECT into stage_line_items that stores an
 * invalid row with a negative source_line. Parquet: stage_line_items is a
 * view of the valid rows (stageView), read once straight into line_items, and
 * the footer's row count (rowCount) tells how many were left out. Only when
 * there are such rows is the file read again to say which column is wrong
 * and why.
 *
 * Money is DECIMAL(38,12) from the text, never through a binary float. A
 * Parquet DOUBLE (the WA-labs files have them) goes through its shortest
 * round-trip text, `CAST(CAST(x AS VARCHAR) AS DECIMAL(38,12))`: 0.1 stays
 * 0.1, not 0.1000000000000000055…, which is the decimal AWS most likely
 * wrote; digits beyond the 12th decimal are rounded half away from zero.
 */

const INTEGER = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT)$/i;
const EXACT_NUMBER = /^(DECIMAL(\(\d+,\s*\d+\))?|NUMERIC.*)$/i;
const MAP_VV = /^MAP\(VARCHAR,\s*VARCHAR\)$/i;

/** Source rows as a relation: `__line` (file line, or Parquet row number) and `__c<i>` columns. */
export function sourceSql(file: string, format: CurFormat, columns: readonly CurColumn[]): string {
  if (!isText(format)) {
    // A binary float is read as its shortest round-trip text (see above).
    const cols = columns
      .map((c) => (FLOAT.test(c.type) ? `CAST(${ident(c.name)} AS VARCHAR)` : ident(c.name)) + ` AS ${c.ref}`)
      .join(', ');
    return `SELECT file_row_number + 1 AS __line, ${cols} FROM read_parquet(${sqlString(file)}, file_row_number = true)`;
  }
  const declared = columns.map((c) => `${sqlString(c.ref)}: 'VARCHAR'`).join(', ');
  const dialect = isHive(format)
    ? // Hive text: no quoting at all; `\N` is NULL, and so is an empty field.
      // The delimiter is the control character itself (DuckDB reads no escapes in it).
      `delim = '\x01', quote = '', escape = '', nullstr = ['\\N', '']`
    : `delim = ',', quote = '"', escape = '"', nullstr = ['']`;
  // row_number() OVER () numbers rows in file order (DuckDB's streaming
  // window): `__line` is record number + 1, the physical line of a file with
  // no blank lines and no line breaks inside quoted fields; the caller
  // corrects it for the others (scanRecordLines).
  return `SELECT row_number() OVER () + 1 AS __line, * FROM read_csv(${sqlString(file)},
      header = true, auto_detect = false, columns = {${declared}}, ${dialect},
      compression = ${isGzip(format) ? "'gzip'" : "'none'"})`;
}

export interface CurSql {
  /** INSERT INTO stage_line_items … from the file; invalid rows get source_line = -line. */
  stageInsert: string;
  /** Invalid rows: line, column_name, reason, raw (JSON of the row as read), by line. */
  invalidRows: string;
  /**
   * The export's own totals per (billing period, currency), from the raw
   * columns and not from the mapping: the unblended total, and the amortised
   * total as finance reconciles it, starting from the invoice. Reads
   * `cur_reject_lines(line)` to leave out rejected rows.
   */
  exportTotals: string;
  /** Parquet: the file's rows, from its footer (no scan). */
  rowCount: string;
  /** Parquet: CREATE TEMP VIEW stage_line_items over the file's valid rows (commitLineItems reads it once). */
  stageView: string;
}

const D = 'DECIMAL(38, 12)';

/** Builds the SQL for one file; refuses column types that cannot hold what the column is. */
export function buildCurSql(file: string, format: CurFormat, flavour: CurFlavour, fileColumns: readonly CurColumn[]): CurSql {
  // sourceSql turns Parquet floats into text: from there on they are VARCHAR.
  const columns = fileColumns.map((c) => (FLOAT.test(c.type) ? { ...c, type: 'VARCHAR' } : c));
  const have = byCanonical(columns);
  const text = isText(format);
  const typed: string[] = [];
  const checks: Check[] = [];

  const refuse = (c: CurColumn, what: string): never => {
    throw new InputError(file, undefined, c.name, `has type ${c.type}, which cannot hold ${what}`);
  };
  /** The column's value as text, '' as NULL. */
  const textOf = (c: CurColumn): string => {
    if (VARCHAR.test(c.type)) return text ? c.ref : `nullif(${c.ref}, '')`;
    return `CAST(${c.ref} AS VARCHAR)`;
  };
  /** True when the cell is empty (so "missing", not "invalid"). */
  const missingOf = (c: CurColumn): string => (VARCHAR.test(c.type) && !text ? `(${c.ref} IS NULL OR ${c.ref} = '')` : `${c.ref} IS NULL`);
  const nameOf = (canonical: string): string => have.get(canonical)?.name ?? canonical;

  const str = (canonical: string): string => {
    const c = have.get(canonical);
    return c ? textOf(c) : 'NULL::VARCHAR';
  };
  /** An account id: a Parquet integer column loses leading zeros, so put them back (12 digits). */
  const account = (canonical: string): string => {
    const c = have.get(canonical);
    if (!c) return 'NULL::VARCHAR';
    return INTEGER.test(c.type) ? `lpad(CAST(${c.ref} AS VARCHAR), 12, '0')` : textOf(c);
  };
  const money = (alias: string, canonical: string, required: boolean): void => {
    const c = have.get(canonical);
    if (!c) {
      typed.push(`NULL::${D} AS ${alias}`);
      return;
    }
    const type = c.type.trim();
    let expr: string;
    if (VARCHAR.test(type)) expr = decimalFromText(c.ref);
    else if (EXACT_NUMBER.test(type) || INTEGER.test(type)) expr = `try_cast(${c.ref} AS ${D})`;
    else refuse(c, 'a decimal amount');
    typed.push(`${expr!} AS ${alias}`);
    const why = `'not a decimal number: ' || ${quoted(textOf(c))}`;
    if (required) checks.push({ column: c.name, bad: `${alias} IS NULL`, why: `CASE WHEN ${missingOf(c)} THEN 'missing value' ELSE ${why} END` });
    else checks.push({ column: c.name, bad: `(${alias} IS NULL AND NOT ${missingOf(c)})`, why });
  };
  const timestamp = (alias: string, canonical: string): void => {
    const c = have.get(canonical)!; // mandatory: the caller checked the file has it
    const type = c.type.trim();
    let expr: string;
    // '2023-11-01T00:00:00.000Z', '2019-11-26 00:00:00' and '…+02:00' all become UTC.
    if (VARCHAR.test(type)) expr = timestampFromText(c.ref);
    else if (TIMESTAMP.test(type)) expr = timestampFromTyped(c.ref, type);
    else refuse(c, 'a timestamp');
    typed.push(`${expr!} AS ${alias}`);
    checks.push({
      column: c.name,
      bad: `${alias} IS NULL`,
      why: `CASE WHEN ${missingOf(c)} THEN 'missing value' ELSE 'not a timestamp: ' || ${quoted(textOf(c))} END`,
    });
    checks.push(timestampRangeCheck(c.name, alias, textOf(c), alias.endsWith('_end') ? 'end' : 'start'));
  };
  const required = (alias: string, canonical: string, expr: string): void => {
    typed.push(`${expr} AS ${alias}`);
    checks.push({ column: nameOf(canonical), bad: `${alias} IS NULL`, why: `'missing value'` });
  };

  // Mandatory, in the order a row's first problem is reported.
  required('f_payer', 'bill_payer_account_id', account('bill_payer_account_id'));
  required('f_currency', 'line_item_currency_code', str('line_item_currency_code'));
  timestamp('f_bp_start', 'bill_billing_period_start_date');
  timestamp('f_bp_end', 'bill_billing_period_end_date');
  timestamp('f_start', 'line_item_usage_start_date');
  timestamp('f_end', 'line_item_usage_end_date');
  required('f_type', 'line_item_line_item_type', str('line_item_line_item_type'));
  money('f_unblended', 'line_item_unblended_cost', true);
  // Optional amounts: absent column → NULL; a value that is there must parse.
  money('f_od', 'pricing_public_on_demand_cost', false);
  money('f_ri_eff', 'reservation_effective_cost', false);
  money('f_ri_unused_upfront', 'reservation_unused_amortized_upfront_fee_for_billing_period', false);
  money('f_ri_unused_recurring', 'reservation_unused_recurring_fee', false);
  money('f_sp_eff', 'savings_plan_savings_plan_effective_cost', false);
  money('f_sp_total', 'savings_plan_total_commitment_to_date', false);
  money('f_sp_used', 'savings_plan_used_commitment', false);
  money('f_usage_amount', 'line_item_usage_amount', false);
  typed.push(`${str('reservation_reservation_a_r_n')} AS f_ri_arn`);
  typed.push(`${str('savings_plan_savings_plan_a_r_n')} AS f_sp_arn`);

  // What a commitment line needs to be amortised. A column the file lacks
  // makes every such row invalid, and the message says so.
  const needs = (type: string, canonical: string, alias: string, bad?: string): void => {
    const c = have.get(canonical);
    checks.push({
      column: nameOf(canonical),
      bad: `(f_type = '${type}' AND ${bad ?? `${alias} IS NULL`})`,
      why: c ? `'missing value (a ${type} row needs it)'` : `'a ${type} row needs this column, which the file does not have'`,
    });
  };
  needs('DiscountedUsage', 'reservation_effective_cost', 'f_ri_eff');
  needs('SavingsPlanCoveredUsage', 'savings_plan_savings_plan_effective_cost', 'f_sp_eff');
  needs('SavingsPlanRecurringFee', 'savings_plan_total_commitment_to_date', 'f_sp_total');
  needs('SavingsPlanRecurringFee', 'savings_plan_used_commitment', 'f_sp_used');
  // An RIFee needs its unused amounts; one of the two may be empty (= 0).
  needs('RIFee', 'reservation_unused_amortized_upfront_fee_for_billing_period', '', 'f_ri_unused_upfront IS NULL AND f_ri_unused_recurring IS NULL');

  for (const [start, end, s, e] of [
    ['f_bp_start', 'f_bp_end', 'bill_billing_period_start_date', 'bill_billing_period_end_date'],
    ['f_start', 'f_end', 'line_item_usage_start_date', 'line_item_usage_end_date'],
  ] as const) {
    const ec = have.get(e)!;
    const sc = have.get(s)!;
    checks.push({
      column: ec.name,
      bad: `coalesce(${end} < ${start}, false)`,
      why: `${quoted(textOf(ec))} || ' is before ${sc.name.replaceAll("'", "''")} ' || ${quoted(textOf(sc))}`,
    });
  }

  // Tags.
  const tagMap = have.get('resource_tags');
  let tags: string;
  if (tagMap && flavour === 'cur2') {
    let map: string;
    if (MAP_VV.test(tagMap.type)) map = tagMap.ref;
    else if (VARCHAR.test(tagMap.type)) {
      map = `try_cast(try_cast(${textOf(tagMap)} AS JSON) AS MAP(VARCHAR, VARCHAR))`;
      checks.push({ column: tagMap.name, bad: `(${map} IS NULL AND NOT ${missingOf(tagMap)})`, why: `'not a JSON object: ' || ${quoted(textOf(tagMap))}` });
    } else if (/^(MAP|STRUCT)\(/i.test(tagMap.type)) map = `try_cast(to_json(${tagMap.ref}) AS MAP(VARCHAR, VARCHAR))`;
    else refuse(tagMap, 'tags (a MAP or a JSON object)');
    typed.push(`${map!} AS f_tag_map`);
    // `user_team` → `team`, `aws_created_by` → `aws:created_by`; '' = untagged;
    // should two keys meet after that, the first is kept.
    const ents = `list_transform(
        list_filter(map_entries(coalesce(f_tag_map, MAP {}::MAP(VARCHAR, VARCHAR))), lambda e: e.value IS NOT NULL AND e.value <> ''),
        lambda e: {'key': ${cur2TagKeySql('e.key')}, 'value': e.value})`;
    tags = `map_from_entries(list_filter(${ents}, lambda e, i: list_position(list_transform(${ents}, lambda x: x.key), e.key) = i))::MAP(VARCHAR, VARCHAR)`;
  } else {
    const tagCols = columns.filter((c) => c.tagKey !== undefined && have.get(c.canonical) === c);
    tags = tagCols.length
      ? `map_from_entries(list_filter([${tagCols
          .map((c) => `{'key': ${sqlString(c.tagKey!)}, 'value': ${textOf(c)}}`)
          .join(', ')}], lambda e: e.value IS NOT NULL AND e.value <> ''))::MAP(VARCHAR, VARCHAR)`
      : 'MAP {}::MAP(VARCHAR, VARCHAR)';
  }

  // CUR 2.0 keeps rarely used product attributes in the `product` MAP.
  const productMap = flavour === 'cur2' ? have.get('product') : undefined;
  const product = (key: string): string => {
    if (!productMap) return 'NULL::VARCHAR';
    if (/^MAP\(/i.test(productMap.type)) return `nullif(CAST(map_extract_value(${productMap.ref}, ${sqlString(key)}) AS VARCHAR), '')`;
    if (VARCHAR.test(productMap.type)) return `nullif(json_extract_string(try_cast(${textOf(productMap)} AS JSON), ${sqlString(`$."${key}"`)}), '')`;
    return 'NULL::VARCHAR';
  };
  const first = (...exprs: string[]): string => `coalesce(${exprs.join(', ')})`;

  const t = (ty: string): string => `f_type = '${ty}'`;
  const inTypes = (...tys: string[]): string => `f_type IN (${tys.map(sqlString).join(', ')})`;
  const zero = `0::${D}`;

  // FinOps Foundation mapping (focus_converters' AWS config, and AWS's own
  // amortised-cost formula in the CUR query library).
  const effective = `CASE f_type
      WHEN 'DiscountedUsage' THEN f_ri_eff
      WHEN 'SavingsPlanCoveredUsage' THEN f_sp_eff
      WHEN 'RIFee' THEN coalesce(f_ri_unused_upfront, ${zero}) + coalesce(f_ri_unused_recurring, ${zero})
      WHEN 'SavingsPlanRecurringFee' THEN f_sp_total - f_sp_used
      WHEN 'SavingsPlanNegation' THEN ${zero}
      WHEN 'SavingsPlanUpfrontFee' THEN ${zero}
      WHEN 'Fee' THEN CASE WHEN f_ri_arn IS NOT NULL THEN ${zero} ELSE f_unblended END
      ELSE f_unblended END`;
  const category = `CASE
      WHEN ${inTypes('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage', 'SavingsPlanNegation')} THEN 'Usage'
      WHEN ${t('Tax')} THEN 'Tax'
      WHEN ${inTypes('Credit', 'Refund', 'BundledDiscount', 'Discount', 'EdpDiscount', 'PrivateRateDiscount', 'DistributorDiscount')} THEN 'Credit'
      WHEN ${inTypes('RIFee', 'Fee', 'SavingsPlanRecurringFee', 'SavingsPlanUpfrontFee')} THEN 'Purchase'
      ELSE 'Adjustment' END`;
  const frequency = `CASE
      WHEN ${inTypes('RIFee', 'SavingsPlanRecurringFee')} THEN 'Recurring'
      WHEN ${inTypes('Fee', 'SavingsPlanUpfrontFee')} THEN 'One-Time'
      ELSE 'Usage-Based' END`;
  const riLine = `(${inTypes('DiscountedUsage', 'RIFee')} OR (${t('Fee')} AND f_ri_arn IS NOT NULL))`;
  const spLine = inTypes('SavingsPlanCoveredUsage', 'SavingsPlanRecurringFee', 'SavingsPlanUpfrontFee', 'SavingsPlanNegation');
  const usageLine = inTypes('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage');

  const target: [string, string][] = [
    ['billing_account_id', 'f_payer'],
    ['billing_account_name', str('bill_payer_account_name')],
    ['billing_period_start', 'f_bp_start'],
    ['billing_period_end', 'f_bp_end'],
    ['charge_period_start', 'f_start'],
    ['charge_period_end', 'f_end'],
    ['billing_currency', 'f_currency'],
    ['billed_cost', 'f_unblended'],
    ['effective_cost', effective],
    // Usage at its public on-demand price; a SavingsPlanNegation only undoes
    // the billed on-demand price of covered usage, not its list price; any
    // other line (tax, credits, fees) is listed at what it costs.
    ['list_cost', `CASE WHEN ${usageLine} THEN coalesce(f_od, f_unblended) WHEN ${t('SavingsPlanNegation')} THEN ${zero} ELSE f_unblended END`],
    ['charge_category', category],
    ['charge_description', str('line_item_line_item_description')],
    ['charge_frequency', frequency],
    ['provider_name', "'AWS'"],
    ['publisher_name', str('line_item_legal_entity')],
    ['invoice_issuer_name', str('bill_invoicing_entity')],
    ['sub_account_id', account('line_item_usage_account_id')],
    ['sub_account_name', str('line_item_usage_account_name')],
    ['service_name', first(str('product_servicename'), product('servicename'), str('product_product_name'), product('product_name'), str('line_item_product_code'))],
    ['region_id', first(str('product_region'), str('product_region_code'), product('region'))],
    ['region_name', first(str('product_location'), product('location'))],
    ['availability_zone', str('line_item_availability_zone')],
    ['resource_id', str('line_item_resource_id')],
    ['sku_id', first(str('product_sku'), product('sku'))],
    ['sku_price_id', str('pricing_rate_id')],
    ['pricing_category', `CASE WHEN ${inTypes('DiscountedUsage', 'SavingsPlanCoveredUsage')} THEN 'Committed' WHEN ${t('Usage')} THEN 'Standard' END`],
    ['pricing_quantity', 'f_usage_amount'],
    ['pricing_unit', str('pricing_unit')],
    ['consumed_quantity', `CASE WHEN ${usageLine} THEN f_usage_amount END`],
    ['consumed_unit', `CASE WHEN ${usageLine} THEN ${str('pricing_unit')} END`],
    ['commitment_discount_id', `CASE WHEN ${riLine} THEN f_ri_arn WHEN ${spLine} THEN f_sp_arn END`],
    ['commitment_discount_type', `CASE WHEN ${riLine} THEN 'Reserved Instance' WHEN ${spLine} THEN 'Savings Plan' END`],
    ['commitment_discount_category', `CASE WHEN ${riLine} THEN 'Usage' WHEN ${spLine} THEN 'Spend' END`],
    // An RIFee row carries both the fee and its unused part: no single status fits it.
    ['commitment_discount_status', `CASE WHEN ${usageLine} AND f_type <> 'Usage' THEN 'Used' END`],
    ['invoice_id', str('bill_invoice_id')],
    ['tags', tags],
  ];

  // The CUR fields that explain a line but have no FOCUS column, under their Athena names.
  const extraKeys = ['line_item_line_item_type', 'line_item_usage_type', 'line_item_operation', 'line_item_product_code', 'identity_line_item_id', 'bill_invoice_id'];
  const extraPresent = extraKeys.filter((k) => have.has(k));
  const extra = `json_object('cur_flavour', ${sqlString(flavour)}${extraPresent.map((k) => `, ${sqlString(k)}, ${str(k)}`).join('')})`;

  const raw = `json_object(${columns.map((c) => `${sqlString(c.name)}, ${c.ref}`).join(', ')})`;
  const bad = checks.map((c) => c.bad).join(' OR ');
  const typedSql = `SELECT *, ${typed.join(',\n      ')} FROM (${sourceSql(file, format, fileColumns)})`;

  const stageInsert = `INSERT INTO stage_line_items (source_line, ${target.map(([col]) => col).join(', ')}, extra)
    SELECT CASE WHEN ${bad} THEN -__line ELSE __line END, ${target.map(([, expr]) => expr).join(',\n      ')}, ${extra}
    FROM (${typedSql})`;
  const caseOf = (pick: (c: Check) => string): string => `CASE ${checks.map((c) => `WHEN ${c.bad} THEN ${pick(c)}`).join(' ')} END`;
  // What the row would have added to the bill, as far as it reads (the tie-out's completeness).
  const invalidRows = `SELECT __line AS line, ${caseOf((c) => sqlString(c.column))} AS column_name, ${caseOf((c) => c.why)} AS reason, ${raw} AS raw,
      f_payer AS billing_account_id, strftime(f_bp_start, '%Y-%m') AS billing_period, f_currency AS currency, f_unblended AS billed_cost
    FROM (${typedSql}) WHERE ${bad} ORDER BY __line`;

  // Independent of the CASE above: start from the invoice (Σ unblended) and
  // swap each commitment line's billed amount for its amortised one.
  const u = (where: string): string => `coalesce(sum(f_unblended) FILTER (WHERE ${where}), ${zero})`;
  const s = (expr: string, where: string): string => `coalesce(sum(${expr}) FILTER (WHERE ${where}), ${zero})`;
  const exportTotals = `SELECT strftime(f_bp_start, '%Y-%m') AS billing_period, f_currency AS currency,
      count(*) AS n_rows, sum(f_unblended) AS unblended,
      sum(f_unblended)
        - ${u(t('DiscountedUsage'))} + ${s('f_ri_eff', t('DiscountedUsage'))}
        - ${u(t('RIFee'))} + ${s('coalesce(f_ri_unused_upfront, 0)', t('RIFee'))} + ${s('coalesce(f_ri_unused_recurring, 0)', t('RIFee'))}
        - ${u(`${t('Fee')} AND f_ri_arn IS NOT NULL`)}
        - ${u(t('SavingsPlanCoveredUsage'))} + ${s('f_sp_eff', t('SavingsPlanCoveredUsage'))}
        - ${u(t('SavingsPlanRecurringFee'))} + ${s('f_sp_total', t('SavingsPlanRecurringFee'))} - ${s('f_sp_used', t('SavingsPlanRecurringFee'))}
        - ${u(t('SavingsPlanUpfrontFee'))}
        - ${u(t('SavingsPlanNegation'))} AS amortised
    FROM (SELECT __line, ${typed.join(', ')} FROM (${sourceSql(file, format, fileColumns)}))
    WHERE __line NOT IN (SELECT line FROM cur_reject_lines)
    GROUP BY ALL`;
  const rowCount = `SELECT sum(num_rows)::BIGINT AS total FROM parquet_file_metadata(${sqlString(file)})`;
  // A row whose checks are NULL counts as valid, as in stageInsert's CASE.
  const stageView = `CREATE TEMP VIEW stage_line_items AS
    SELECT __line AS source_line, ${target.map(([col, expr]) => `${expr} AS ${col}`).join(',\n      ')}, ${extra} AS extra
    FROM (${typedSql}) WHERE NOT coalesce(${bad}, false)`;
  return { stageInsert, invalidRows, exportTotals, rowCount, stageView };
}
