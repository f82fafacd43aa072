import { createHash } from 'node:crypto';
import type { Store } from '../store/db.ts';
import { sqlFolder } from '../store/sql.ts';
import { AllotError, PermanentError } from '../util/errors.ts';
import { chargebackRows } from '../model/chargeback.ts';
import { renderChargebackCsv } from '../render/chargeback-csv.ts';
import { requirePeriodRunId } from '../store/runs.ts';
import { fixDecimals } from '../util/decimal.ts';
import { tieOut, type TieOut } from '../allocate/tieout.ts';

const sql = sqlFolder(new URL('./sql/', import.meta.url));

/** What finance reconciles an import against: written next to every chargeback CSV. */
export interface Manifest {
  period: string;
  run_id: number;
  rows: number;
  control_totals: { currency: string; amount: string }[];
  sha256: string;
  closed: boolean;
  closed_at: string | null;
  /** The stored bill against invoices: as closed for a closed period, else as the store holds it now. */
  tieout: ManifestTieOut;
}

/** The tie-out as the manifest and the close record carry it. */
export interface ManifestTieOut {
  billing_period: string;
  /** `ties`: every billing account ties to its control total; `differs`: one does not; `incomplete`: one has none. */
  status: 'ties' | 'differs' | 'incomplete';
  lines: { billing_account_id: string; provider: string | null; currency: string; invoice_id: string | null; stored: string; control: string | null; status: string; difference: string | null; against: string[] }[];
  warnings: string[];
  /** Closed although it differs, and why (`allot close --accept-variance`). */
  accepted_variance: string | null;
}

/** The tie-out differs from the invoice: the period is not closed. */
export class TieOutError extends PermanentError {}

export function manifestTieOut(t: TieOut, acceptedVariance: string | null = null): ManifestTieOut {
  return {
    billing_period: t.billing_period,
    status: t.differs ? 'differs' : t.ties ? 'ties' : 'incomplete',
    lines: t.lines.map((l) => ({
      billing_account_id: l.billing_account_id,
      provider: l.provider,
      currency: l.currency,
      invoice_id: l.invoice_id,
      stored: l.stored_rounded,
      control: l.control_total,
      status: l.status,
      difference: l.difference,
      against: l.control.map((c) => (c.kind === 'aws-ce' ? 'Cost Explorer total' : c.invoice_id ? `invoice ${c.invoice_id}` : 'invoice')),
    })),
    warnings: t.warnings,
    accepted_variance: acceptedVariance,
  };
}

export interface ChargebackExport {
  csv: string;
  manifest: Manifest;
}

export interface CloseRecord {
  period: string;
  run_id: number;
  status: 'closed' | 'reopened';
  csv_sha256: string;
  rows: number;
  closed_at: string;
  /** The tie-out it was closed with (null for periods closed before tie-outs existed). */
  tieout: ManifestTieOut | null;
}

export async function closeRecord(store: Store, period: string): Promise<CloseRecord | undefined> {
  const r = await store.one<Omit<CloseRecord, 'tieout'> & { tieout: string | null }>(sql('record'), [period]);
  return r ? { ...r, tieout: r.tieout ? (JSON.parse(r.tieout) as ManifestTieOut) : null } : undefined;
}

/**
 * The chargeback CSV of a period: the closed run's for a closed period (and
 * it must still hash to what was closed), else the latest run's.
 */
export async function buildChargebackExport(store: Store, period: string, runId?: number, opts: { decimals?: number; now?: Date } = {}): Promise<ChargebackExport> {
  const close = await closeRecord(store, period);
  const isClosed = close?.status === 'closed';
  if (isClosed && runId !== undefined && runId !== close.run_id) {
    throw new AllotError(`period ${period} is closed with run #${close.run_id}; run #${runId} cannot be exported for it`);
  }
  const run = isClosed ? close.run_id : (runId ?? (await requirePeriodRunId(store, period)));
  const rows = await chargebackRows(store, run);
  if (rows.length === 0) throw new AllotError(`run #${run} is not a run of period ${period}`);
  const csv = renderChargebackCsv(rows);
  const sha256 = createHash('sha256').update(csv).digest('hex');
  if (isClosed && sha256 !== close.csv_sha256) {
    // Should never happen: it would mean a closed period's rows were changed.
    throw new AllotError(`closed period ${period} no longer matches its close (sha256 ${sha256} ≠ ${close.csv_sha256}); refusing to export`);
  }
  const control = await store.all<{ currency: string; amount: string }>(sql('control-totals'), [run]);
  const decimals = await runDecimals(store, run);
  const tieout = isClosed && close.tieout ? close.tieout : manifestTieOut(await tieOut(store, period, { decimals: opts.decimals ?? decimals, now: opts.now }));
  return {
    csv,
    manifest: {
      period,
      run_id: run,
      rows: rows.length,
      control_totals: control.map((c) => ({ currency: c.currency, amount: fixDecimals(c.amount, decimals) })),
      sha256,
      closed: isClosed,
      closed_at: isClosed ? close.closed_at : null,
      tieout,
    },
  };
}

export interface CloseOptions {
  actor?: string | null;
  /** Close although the tie-out differs; the reason is logged like a reopen. */
  acceptVariance?: string;
  decimals?: number;
  now?: Date;
}

/**
 * Freezes a period at its latest run: later data becomes adjustments in the
 * next open period. A period whose stored bill differs from its invoice is
 * not closed unless the variance is accepted with a reason (logged).
 */
export async function closePeriod(store: Store, period: string, opts: CloseOptions = {}): Promise<CloseRecord> {
  const actor = opts.actor ?? null;
  const existing = await closeRecord(store, period);
  if (existing?.status === 'closed') throw new AllotError(`period ${period} is already closed (run #${existing.run_id}, ${existing.closed_at})`);
  const run = await requirePeriodRunId(store, period);
  const decimals = opts.decimals ?? (await runDecimals(store, run));
  const t = await tieOut(store, period, { decimals, now: opts.now });
  const accept = opts.acceptVariance?.trim() || null;
  if (t.differs && !accept) {
    const bad = t.lines.filter((l) => l.status === 'differs');
    throw new TieOutError(
      `period ${period} does not tie out: ${bad.map((l) => `billing account ${l.billing_account_id}${l.invoice_id ? ` invoice ${l.invoice_id}` : ''} stores ${l.stored_rounded} ${l.currency} against ${l.control_total} (${l.difference})`).join('; ')}. ` +
        `Import the missing or corrected data, or close anyway with --accept-variance "reason"; nothing was closed`,
    );
  }
  const recorded = manifestTieOut(t, t.differs ? accept : null);
  const { manifest } = await buildChargebackExport(store, period, run, { decimals, now: opts.now });
  await store.transaction(async () => {
    await store.run(sql('clear'), [period]);
    await store.run(sql('close'), [period, run, manifest.sha256, manifest.rows, JSON.stringify(manifest.control_totals), actor, JSON.stringify(recorded)]);
    if (recorded.accepted_variance) {
      const diff = t.lines.filter((l) => l.status === 'differs').map((l) => `${l.billing_account_id} ${l.difference} ${l.currency}`).join(', ');
      await store.run(sql('log'), [period, 'accept-variance', run, manifest.sha256, `${recorded.accepted_variance} (differs: ${diff})`, actor]);
    }
    await store.run(sql('log'), [period, 'close', run, manifest.sha256, null, actor]);
  });
  return (await closeRecord(store, period))!;
}

/** The currency decimals a run rounded to. */
async function runDecimals(store: Store, runId: number): Promise<number> {
  return Number((await store.one<{ d: number }>(sql('run-decimals'), [runId]))?.d ?? 2);
}

/** Reopens a closed period; the reason is logged for audit. */
export async function reopenPeriod(store: Store, period: string, reason: string, actor: string | null = null): Promise<void> {
  if (!reason.trim()) throw new AllotError('reopening a closed period needs --reason');
  const existing = await closeRecord(store, period);
  if (existing?.status !== 'closed') throw new AllotError(`period ${period} is not closed`);
  await store.transaction(async () => {
    await store.run(sql('reopen'), [period]);
    await store.run(sql('log'), [period, 'reopen', existing.run_id, existing.csv_sha256, reason, actor]);
  });
}
