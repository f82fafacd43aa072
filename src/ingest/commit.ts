import type { Store } from '../store/db.ts';

/** What every source reports about one import. */
export interface ImportResult {
  importId: number;
  status: 'active' | 'noop';
  rowsRead: number;
  rowsLoaded: number;
  rowsRejected: number;
  /** Imports whose rows this one replaced (same billing account and billing period). */
  replaced: number[];
  note?: string;
}

export interface ImportMeta {
  source: string;
  file: string;
  format: string;
  /** SHA-256 of the input; the same content imported again is a no-op. Null for API pulls. */
  sha256: string | null;
  rowsRead: number;
  rowsRejected?: number;
}

/**
 * The staging table every cost source fills: the line_items columns a source
 * provides, plus `source_line` (1-based line in the file, or row number).
 * Sources write rows here with SQL or an appender, then call commitLineItems.
 */
export async function createLineItemStage(store: Store): Promise<void> {
  await store.run(`CREATE OR REPLACE TEMP TABLE stage_line_items AS
    SELECT * EXCLUDE (li_id, import_id, period, superseded_by) FROM line_items LIMIT 0`);
}

export async function dropLineItemStage(store: Store): Promise<void> {
  // The stage is a table, or a view over a Parquet file; DuckDB refuses DROP TABLE on a view (and the reverse).
  const view = await store.one(`SELECT 1 AS v FROM duckdb_views() WHERE temporary AND view_name = 'stage_line_items'`);
  await store.run(view ? 'DROP VIEW stage_line_items' : 'DROP TABLE IF EXISTS stage_line_items');
}

/** Finds an earlier import of the same content from the same source. */
export async function findSameContent(store: Store, source: string, sha256: string): Promise<number | undefined> {
  const row = await store.one<{ import_id: number }>(
    `SELECT import_id FROM imports WHERE source = $1 AND content_sha256 = $2 AND status <> 'noop' ORDER BY import_id LIMIT 1`,
    [source, sha256],
  );
  return row?.import_id;
}

/** Records that `meta` is a re-import of `sameAs`: nothing changes but the log. */
export async function recordNoop(store: Store, meta: ImportMeta, sameAs: number): Promise<ImportResult> {
  const note = `same content as import #${sameAs}; nothing changed`;
  const row = await store.one<{ id: number }>(
    `INSERT INTO imports (import_id, source, file, content_sha256, format, rows_read, rows_loaded, rows_rejected, status, note, started_at, finished_at)
     VALUES (nextval('import_id_seq'), $1, $2, $3, $4, 0, 0, 0, 'noop', $5, now()::TIMESTAMP, now()::TIMESTAMP) RETURNING import_id AS id`,
    [meta.source, meta.file, meta.sha256, meta.format, note],
  );
  return { importId: row!.id, status: 'noop', rowsRead: meta.rowsRead, rowsLoaded: 0, rowsRejected: 0, replaced: [], note };
}

/**
 * Moves stage_line_items into line_items as one import. Rows of earlier
 * imports that cover the same (billing account, billing period) are marked
 * superseded by this one: a newer export of a period replaces the older, and
 * the import log keeps both. Call inside store.transaction().
 */
export async function commitLineItems(store: Store, meta: ImportMeta): Promise<ImportResult> {
  const id = (await store.one<{ id: number }>(`SELECT nextval('import_id_seq')::INTEGER AS id`))!.id;
  // Rows carry their own line number, so their order in the table is free:
  // without order preservation DuckDB streams a 10M-row insert in bounded memory.
  await store.run('SET preserve_insertion_order = false');
  await store.run(
    `INSERT INTO line_items BY NAME
     SELECT s.*, $1::BIGINT * 4294967296 + s.source_line AS li_id, $1::INTEGER AS import_id,
            strftime(s.charge_period_start, '%Y-%m') AS period, NULL::INTEGER AS superseded_by
     FROM stage_line_items s`,
    [id],
  );
  await store.run('RESET preserve_insertion_order');
  // From here on only the rows just written are read, never the stage again:
  // for Parquet the stage is a view, and every read of it reads the file.
  await store.run(
    `CREATE OR REPLACE TEMP TABLE import_coverage AS
     SELECT billing_account_id, billing_period_start, count(*) AS n FROM line_items WHERE import_id = $1 GROUP BY ALL`,
    [id],
  );
  const coverage = await store.all<{ billing_account_id: string; billing_period_start: string; rows: string }>(
    `SELECT billing_account_id, strftime(billing_period_start, '%Y-%m-%dT%H:%M:%SZ') AS billing_period_start, n::VARCHAR AS rows
     FROM import_coverage ORDER BY ALL`,
  );
  const current = `l.superseded_by IS NULL AND l.import_id <> $1
       AND l.billing_account_id = c.billing_account_id AND l.billing_period_start = c.billing_period_start`;
  const replacedIds = (
    await store.all<{ import_id: number }>(
      `SELECT DISTINCT l.import_id FROM line_items l, import_coverage c WHERE ${current} ORDER BY 1`,
      [id],
    )
  ).map((r) => r.import_id);
  if (replacedIds.length) {
    await store.run(`UPDATE line_items l SET superseded_by = $1 FROM import_coverage c WHERE ${current}`, [id]);
  }
  await store.run('DROP TABLE import_coverage');
  // An earlier import none of whose rows is still current is superseded as a whole.
  await store.run(
    `UPDATE imports i SET status = 'superseded', superseded_by = $1
     WHERE i.status = 'active'
       AND EXISTS (SELECT 1 FROM line_items l WHERE l.import_id = i.import_id)
       AND NOT EXISTS (SELECT 1 FROM line_items l WHERE l.import_id = i.import_id AND l.superseded_by IS NULL)`,
    [id],
  );
  const loaded = coverage.reduce((n, c) => n + Number(c.rows), 0);
  await store.run(
    `INSERT INTO imports (import_id, source, file, content_sha256, format, rows_read, rows_loaded, rows_rejected, coverage, status, note, started_at, finished_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::JSON, 'active', $10, now()::TIMESTAMP, now()::TIMESTAMP)`,
    [
      id, meta.source, meta.file, meta.sha256, meta.format, meta.rowsRead, loaded, meta.rowsRejected ?? 0,
      JSON.stringify(coverage.map((c) => ({ billing_account_id: c.billing_account_id, billing_period_start: c.billing_period_start, rows: Number(c.rows) }))),
      replacedIds.length ? `replaces rows of import ${replacedIds.map((r) => `#${r}`).join(', ')}` : null,
    ],
  );
  return { importId: id, status: 'active', rowsRead: meta.rowsRead, rowsLoaded: loaded, rowsRejected: meta.rowsRejected ?? 0, replaced: replacedIds };
}

/**
 * commitLineItems marks rows of earlier imports of the same (billing account,
 * billing period) as superseded. Files given in one command are parts of one
 * export (big months come as several files): undo that between them. `fresh`
 * are the imports this command wrote, `parts` those plus the earlier imports
 * that identical files were no-ops of. Rows of other imports stay superseded.
 */
export async function keepParts(store: Store, fresh: number[], parts: Set<number>): Promise<void> {
  const args = [JSON.stringify(fresh), JSON.stringify([...parts])];
  await store.run(
    `UPDATE line_items SET superseded_by = NULL
     WHERE list_contains(CAST($1::JSON AS INTEGER[]), superseded_by) AND list_contains(CAST($2::JSON AS INTEGER[]), import_id)`,
    args,
  );
  await store.run(
    `UPDATE imports SET status = 'active', superseded_by = NULL
     WHERE status = 'superseded' AND list_contains(CAST($1::JSON AS INTEGER[]), superseded_by)
       AND list_contains(CAST($2::JSON AS INTEGER[]), import_id)`,
    args,
  );
}

/** After keepParts: results and import notes no longer claim to replace sibling parts. */
export async function noteParts(store: Store, results: ImportResult[], parts: Set<number>): Promise<void> {
  for (const r of results) {
    if (r.status !== 'active') continue;
    const before = r.replaced;
    r.replaced = before.filter((id) => !parts.has(id));
    if (r.replaced.length !== before.length) {
      await store.run('UPDATE imports SET note = $2 WHERE import_id = $1', [
        r.importId,
        r.replaced.length ? `replaces rows of import ${r.replaced.map((id) => `#${id}`).join(', ')}` : null,
      ]);
    }
  }
}
