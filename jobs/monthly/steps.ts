// The step functions of the monthly pipeline. Both executors call exactly
// these: the BullMQ flow (flow.ts, one job per step) and `allot run`
// (inprocess.ts, one after the other in one process).
import { readFileSync } from 'node:fs';
import { attribute } from '../../src/allocate/run.ts';
import type { LoadedConfig } from '../../src/config/load.ts';
import { manifestPath } from '../../src/close/files.ts';
import { buildChargebackExport, closePeriod, closeRecord, manifestTieOut, TieOutError, type ManifestTieOut } from '../../src/close/close.ts';
import { requirePeriodRunId } from '../../src/store/runs.ts';
import {
  attemptSend, composeMessage, DEFAULT_FROM, finishSend, planSends, readSendLog, smtpTransport, startSend, toEml, type MailTransport,
} from '../../src/deliver/index.ts';
import { buildTeamReports, type TeamReport } from '../../src/model/team/index.ts';
import { renderTeamReport } from '../../src/render/team/index.ts';
import type { Store } from '../../src/store/db.ts';
import { AllotError, ConfigError } from '../../src/util/errors.ts';
import type { Logger } from '../log.ts';
import { findPull, pullSource, type PullSummary } from '../sources.ts';
import type { MonthlySpec } from '../spec.ts';
import { readStep, runAfter } from '../../src/store/jobs.ts';
import { RunArtefacts, type RenderedInfo, type SendingInfo, type SendOutcomeFile, type TeamEntry, type TeamsFile } from './artefacts.ts';

/** What every step gets from its executor. */
export interface StepEnv {
  loaded: LoadedConfig;
  /** Root of the per-run artefact directories. */
  artefactsDir: string;
  log: Logger;
  now: () => Date;
  /** The SMTP transport (default: from the config's smtp section, one per send). */
  transport?: () => MailTransport;
  /** Told when a source delivered (metrics). */
  onSourceSuccess?: (source: string, at: Date) => void;
  /** Told once when the SMTP server refuses a team report for good, wholly or for some recipients (metrics). */
  onSendRefused?: (o: SendOutcomeFile) => void;
  /**
   * Runs `fn` as the only holder of `name` across all workers (the flow: a
   * Redis lock). A send runs under it, so a job BullMQ believed stalled and
   * handed to a second worker cannot mail the same team at the same time.
   */
  exclusive?: <T>(name: string, fn: () => Promise<T>) => Promise<T>;
}

/** A transient SMTP failure (4xx, lost connection): the executor retries the step with backoff. */
export class TransientSendError extends AllotError {}

// ---- store steps ------------------------------------------------------------

export async function pullStep(env: StepEnv, spec: MonthlySpec, sourceId: string, store: Store): Promise<PullSummary> {
  const src = spec.sources.find((s) => s.id === sourceId);
  if (!src) throw new AllotError(`run ${spec.key} has no source "${sourceId}"`);
  const r = await pullSource(store, env.loaded, src, spec.period, env.now);
  env.onSourceSuccess?.(src.id, env.now());
  for (const w of r.warnings) env.log.warn({ source: src.id, period: spec.period }, w);
  return r;
}

export async function adoptPull(spec: MonthlySpec, sourceId: string, store: Store, afterImportId: number): Promise<PullSummary | undefined> {
  const src = spec.sources.find((s) => s.id === sourceId);
  return src ? findPull(store, src, spec.period, afterImportId) : undefined;
}

export interface AttributeSummary {
  run_id: number;
  line_items: number;
  /** Conservation: the run's rows sum to the stored line items (a run that does not is never written). */
  reconciles: boolean;
  /** The tie-out of the billing period: every account ties to its invoice, one differs, or one has none. */
  tieout?: ManifestTieOut['status'];
  adopted?: boolean;
}

export async function attributeStep(env: StepEnv, spec: MonthlySpec, store: Store): Promise<AttributeSummary> {
  const r = await attribute(store, env.loaded, spec.period, env.now);
  const t = manifestTieOut(r.tieout);
  for (const l of t.lines.filter((x) => x.status !== 'ties')) {
    env.log.warn({ period: spec.period, billing_account: l.billing_account_id, currency: l.currency, stored: l.stored, control: l.control, difference: l.difference }, `tie-out: ${l.status}`);
  }
  for (const w of t.warnings) env.log.warn({ period: spec.period }, `completeness: ${w}`);
  return { run_id: r.runId, line_items: r.lineItems, reconciles: r.totals.every((t) => t.ok), tieout: t.status };
}

/** The run a dead worker committed for the period after `afterRunId`, if any. */
export async function adoptAttribute(spec: MonthlySpec, store: Store, afterRunId: number): Promise<AttributeSummary | undefined> {
  const r = await runAfter(store, spec.period, afterRunId);
  return r ? { run_id: r.run_id, line_items: r.line_items, reconciles: true, adopted: true } : undefined;
}

/** The run the pipeline attributed (recorded by its attribute step). */
async function runOf(spec: MonthlySpec, store: Store): Promise<number> {
  const step = await readStep(store, `${spec.key}-attribute`);
  const runId = (step?.result as AttributeSummary | null | undefined)?.run_id;
  if (step?.status !== 'done' || !runId) throw new AllotError(`run ${spec.key}: the attribute step has not finished`);
  return runId;
}

export interface ExportSummary {
  run_id: number;
  csv: string;
  manifest: string;
  rows: number;
  /** Teams that get an email: the render and send fan out over these. */
  teams: string[];
  skipped: { team_id: string; reason: string }[];
  /** The run asked to close the period: closed before the reports were built, so they say final. */
  closed: boolean;
  /** Why closing was refused (the tie-out differs): the reports say provisional and the finish step fails with it. */
  close_refused: string | null;
}

/**
 * Writes the run's finance export and, per team, the report data the render
 * step needs (so render and send never open the store), and decides who is
 * mailed: nobody twice for a period unless the run says resend.
 */
export async function exportStep(env: StepEnv, spec: MonthlySpec, store: Store): Promise<ExportSummary> {
  const config = env.loaded.config;
  const runId = await runOf(spec, store);
  const art = new RunArtefacts(env.artefactsDir, spec.key);
  const close = spec.close ? await closeAtRun(spec, store, runId, env.loaded.config.currency_decimals, env.now()) : { closed: false, refused: null };
  if (close.refused) env.log.warn({ period: spec.period }, `not closed: ${close.refused}`);
  const { csv, manifest } = await buildChargebackExport(store, spec.period, runId, { now: env.now() });
  const csvFile = art.path(`chargeback-${spec.period}.csv`);
  art.writeRaw(csvFile, csv);
  art.write(manifestPath(csvFile), manifest);

  const plan = await planSends(store, config, spec.period, runId, { resend: spec.resend });
  const entries: TeamEntry[] = plan.map((p) => ({ team_id: p.team_id, recipients: p.recipients, message_id: p.message_id, skip: p.skip }));
  const warnings: string[] = [];
  for await (const report of buildTeamReports(store, config, spec.period, entries.filter((e) => !e.skip).map((e) => e.team_id), warnings)) {
    art.write(art.team(report.team.id, 'report.json'), report);
  }
  for (const w of warnings) env.log.warn({ period: spec.period }, w);
  const teamsFile: TeamsFile = {
    key: spec.key,
    period: spec.period,
    run_id: runId,
    created_at: env.now().toISOString(),
    from: config.smtp?.from ?? DEFAULT_FROM,
    reply_to: config.smtp?.reply_to ?? null,
    teams: entries,
  };
  art.write(art.path('teams.json'), teamsFile);
  return {
    run_id: runId,
    csv: csvFile,
    manifest: manifestPath(csvFile),
    rows: manifest.rows,
    teams: entries.filter((e) => !e.skip).map((e) => e.team_id),
    skipped: entries.filter((e) => e.skip).map((e) => ({ team_id: e.team_id, reason: e.skip! })),
    closed: close.closed,
    close_refused: close.refused,
  };
}

/**
 * Closes the period at the run (again: a no-op when a dead worker already
 * did). A tie-out that differs refuses the close: not an error here, so the
 * teams still get their (provisional) reports; the finish step fails with it.
 */
async function closeAtRun(spec: MonthlySpec, store: Store, runId: number, decimals: number, now: Date): Promise<{ closed: boolean; refused: string | null }> {
  const rec = await closeRecord(store, spec.period);
  if (rec?.status === 'closed') {
    if (rec.run_id !== runId) throw new AllotError(`period ${spec.period} is closed with run #${rec.run_id}, not this run's #${runId}`);
    return { closed: true, refused: null };
  }
  const latest = await requirePeriodRunId(store, spec.period);
  if (latest !== runId) throw new AllotError(`period ${spec.period} was attributed again since (run #${latest}); not closing it at run #${runId}`);
  try {
    await closePeriod(store, spec.period, { actor: `allot-jobs:${spec.key}`, decimals, now });
    return { closed: true, refused: null };
  } catch (e) {
    if (e instanceof TieOutError) return { closed: false, refused: e.message };
    throw e;
  }
}

/** A team report the SMTP server refused for good: to every recipient, or (partial) to some. */
export interface RefusedSend {
  team_id: string;
  /** The refused recipients (all of them unless partial). */
  recipients: string[];
  /** The server's reply. */
  response: string | null;
  partial: boolean;
}

export interface FinishSummary {
  logged: number;
  /** Messages the server accepted (for at least one recipient). */
  sent: number;
  /** Messages refused to every recipient. */
  failed: number;
  /** Every refusal, whole or partial, with the server's reply: the run's exit code says it. */
  refused: RefusedSend[];
  closed: boolean;
}

/** The refusals among send outcomes. */
export function refusalsOf(outcomes: SendOutcomeFile[]): RefusedSend[] {
  return outcomes
    .filter((o) => o.status === 'failed' || o.rejected.length > 0)
    .map((o) => ({
      team_id: o.team_id,
      recipients: o.status === 'failed' ? o.recipients : o.rejected,
      response: o.response,
      partial: o.status !== 'failed',
    }));
}

/**
 * Records every team's send outcome in the store's send log (once per
 * Message-ID), and reports whether the period was closed.
 */
export async function finishStep(env: StepEnv, spec: MonthlySpec, store: Store): Promise<FinishSummary> {
  const runId = await runOf(spec, store);
  const art = new RunArtefacts(env.artefactsDir, spec.key);
  const teams = art.teams();
  let logged = 0;
  const outcomes: SendOutcomeFile[] = [];
  for (const t of teams.teams.filter((e) => !e.skip)) {
    const o = art.readIf<SendOutcomeFile>(art.team(t.team_id, 'sent.json'));
    if (!o) throw new AllotError(`run ${spec.key}: team ${t.team_id} has no send outcome yet`);
    outcomes.push(o);
    const existing = (await readSendLog(store, spec.period, t.team_id)).filter((r) => r.message_id === o.message_id);
    if (existing.some((r) => r.status !== 'sending')) continue;
    await store.transaction(async () => {
      const sendId =
        existing[0]?.send_id ??
        (await startSend(
          store,
          { period: spec.period, team_id: t.team_id, run_id: runId, recipients: o.recipients, message_id: o.message_id, subject: o.subject, resend: spec.resend },
          new Date(o.at),
        ));
      await finishSend(store, sendId, { status: o.status, attempts: o.attempts, response: o.response, error_code: o.error_code, rejected: o.rejected }, new Date(o.at));
    });
    logged++;
  }
  const exported = (await readStep(store, `${spec.key}-export`))?.result as ExportSummary | null | undefined;
  // Closing happened (or was refused) before the reports were built; a refusal fails the run here, once the sends are logged.
  if (exported?.close_refused) throw new TieOutError(exported.close_refused);
  const closed = exported?.closed ?? false;
  return {
    logged,
    sent: outcomes.filter((o) => o.status === 'sent').length,
    failed: outcomes.filter((o) => o.status === 'failed').length,
    refused: refusalsOf(outcomes),
    closed,
  };
}

// ---- steps that never open the store ---------------------------------------

/** Renders one team's email from the export's data into <team>.eml. Done once: a re-run returns what is there. */
export async function renderStep(env: StepEnv, spec: MonthlySpec, teamId: string): Promise<RenderedInfo> {
  const art = new RunArtefacts(env.artefactsDir, spec.key);
  const done = art.readIf<RenderedInfo>(art.team(teamId, 'rendered.json'));
  if (done) return done;
  const teams = art.teams();
  const entry = teams.teams.find((t) => t.team_id === teamId);
  if (!entry || entry.skip || !entry.message_id) throw new AllotError(`run ${spec.key}: team ${teamId} is not to be mailed`);
  const messageId = entry.message_id;
  const report = art.read<TeamReport>(art.team(teamId, 'report.json'));
  const rendered = await renderTeamReport(report, { kind: 'cid' });
  const mail = composeMessage(report, rendered, {
    from: teams.from,
    ...(teams.reply_to ? { replyTo: teams.reply_to } : {}),
    to: entry.recipients,
    messageId,
    date: new Date(teams.created_at),
  });
  const eml = await toEml(mail);
  const emlFile = art.team(teamId, 'eml');
  art.writeRaw(emlFile, eml);
  const info: RenderedInfo = { team_id: teamId, message_id: messageId, subject: rendered.subject, recipients: entry.recipients, eml: emlFile, bytes: eml.length };
  art.write(art.team(teamId, 'rendered.json'), info);
  return info;
}




/**
 * Hands one team's rendered .eml to the SMTP server, once: the outcome is
 * written to <team>.sent.json and a re-run returns it. An attempt that died
 * without an answer is re-sent with the same Message-ID (a receiving system
 * can drop the duplicate). A transient failure throws TransientSendError
 * (retried with backoff); a permanent refusal is an outcome, not an error.
 */
export async function sendStep(env: StepEnv, spec: MonthlySpec, teamId: string): Promise<SendOutcomeFile> {
  const once = env.exclusive ?? (<T>(_name: string, fn: () => Promise<T>) => fn());
  return once(`send-${spec.key}-${teamId}`, () => sendOnce(env, spec, teamId));
}

async function sendOnce(env: StepEnv, spec: MonthlySpec, teamId: string): Promise<SendOutcomeFile> {
  const art = new RunArtefacts(env.artefactsDir, spec.key);
  const sentFile = art.team(teamId, 'sent.json');
  const done = art.readIf<SendOutcomeFile>(sentFile);
  if (done) return done;
  const info = art.readIf<RenderedInfo>(art.team(teamId, 'rendered.json'));
  if (!info) throw new AllotError(`run ${spec.key}: team ${teamId} has not been rendered`);
  if (!env.transport && !env.loaded.config.smtp) {
    // Permanent: no retry can send without a server.
    throw new ConfigError(env.loaded.file, undefined, 'smtp', 'no smtp section: add smtp: { host, port, from } to mail the team reports');
  }
  const raw = readFileSync(info.eml);
  const from = art.teams().from;
  const sendingFile = art.team(teamId, 'sending.json');
  const prior = art.readIf<SendingInfo>(sendingFile);
  const interrupted = prior !== undefined && prior.last_error === null;
  const attempts = (prior?.attempts ?? 0) + 1;
  art.write(sendingFile, { message_id: info.message_id, attempts, started_at: env.now().toISOString(), last_error: null } satisfies SendingInfo);
  if (interrupted) env.log.warn({ team: teamId, message_id: info.message_id }, 'an earlier send attempt died without an answer: sending again with the same Message-ID');

  const transport = env.transport?.() ?? smtpTransport(env.loaded.config);
  const base = { team_id: teamId, message_id: info.message_id, subject: info.subject, recipients: info.recipients, attempts, resent_after_interruption: interrupted };
  let outcome: SendOutcomeFile;
  let a;
  try {
    a = await attemptSend(transport, { envelope: { from, to: info.recipients }, raw }, env.loaded.config.smtp);
  } finally {
    transport.close?.();
  }
  if (a.kind === 'sent') {
    outcome = { ...base, status: 'sent', response: a.response, error_code: null, rejected: a.rejected, at: env.now().toISOString() };
    if (a.rejected.length) {
      env.log.error(
        { team: teamId, message_id: info.message_id, refused: a.rejected, response: a.response },
        `the SMTP server refused the team report for ${a.rejected.join(', ')} (delivered to the other recipients)`,
      );
    }
  } else if (a.kind === 'permanent') {
    outcome = { ...base, status: 'failed', response: a.response, error_code: a.code, rejected: [], at: env.now().toISOString() };
    env.log.error({ team: teamId, message_id: info.message_id, recipients: info.recipients, response: a.response }, 'the SMTP server refused the team report for good');
  } else {
    art.write(sendingFile, { message_id: info.message_id, attempts, started_at: env.now().toISOString(), last_error: a.response } satisfies SendingInfo);
    // Set-up: not this team's problem; every send gets the same answer until the configuration changes, so the job fails at once.
    if (a.kind === 'setup') throw a.error;
    throw new TransientSendError(`team ${teamId}: ${a.response}`);
  }
  art.write(sentFile, outcome);
  if (outcome.status === 'failed' || outcome.rejected.length) env.onSendRefused?.(outcome);
  return outcome;
}
