import { Option } from 'commander';
import type { AlertOutcome, AlertsResult } from '../deliver/alerts.ts';
import { UsageError } from '../util/errors.ts';
import { table } from './format.ts';
import { periodOption } from './options.ts';
import type { Register } from './register.ts';
import type { Context } from './context.ts';

/**
 * `allot alerts --period P [--team T] [--as-of DAY] [--dry-run --out DIR]`:
 * each team's budget and spend alerts for the month, by email and to its
 * webhooks, each once (the send log skips what was sent). Exits 1 listing
 * what was not delivered.
 */
export const registerAlerts: Register = (program, run) => {
  program
    .command('alerts')
    .description('send each team its budget and spend alerts for a month: forecast over a threshold, cost to date over budget, unusual days (each once)')
    .addOption(periodOption())
    .addOption(new Option('--team <id>', 'one team only'))
    .addOption(new Option('--as-of <YYYY-MM-DD>', 'the day to forecast from: days before it are billed (default: today, UTC)'))
    .option('--dry-run', 'write each alert as a .eml file (and webhook .json) instead of sending (needs --out); the send log is not touched', false)
    .option('--out <dir>', 'directory for the files of --dry-run')
    .option('--log', 'show the alerts already sent for the period (the send log), and send nothing', false)
    .action((opts: { period: string; team?: string; asOf?: string; dryRun: boolean; out?: string; log: boolean }) =>
      run(async (ctx) => {
        if (opts.log) {
          if (opts.dryRun || opts.out || opts.asOf) throw new UsageError('--log takes only --period and --team');
          const { readAlertLog } = await import('../deliver/alerts.ts');
          const rows = await readAlertLog(await ctx.readDb(), opts.period, opts.team);
          ctx.print(rows, () => {
            if (!rows.length) return ctx.out(`No alert was sent for ${opts.period}${opts.team ? ` to team ${opts.team}` : ''}.`);
            ctx.out(
              table(
                ['team', 'alert', 'channel', 'status', 'to', 'attempts', 'finished (UTC)', 'reply'],
                rows.map((r) => [r.team_id, r.alert_key, r.channel, r.status, r.recipients, String(r.attempts), r.sent_at ?? '', r.response ?? '']),
                [5],
              ),
            );
          });
          return;
        }
        if (opts.dryRun && !opts.out) throw new UsageError('--dry-run needs --out DIR for the .eml files');
        if (opts.out && !opts.dryRun) throw new UsageError('--out is only for --dry-run');
        if (opts.asOf !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(opts.asOf)) throw new UsageError(`--as-of must be YYYY-MM-DD, got "${opts.asOf}"`);
        const { assertAlertsDelivered, sendAlerts } = await import('../deliver/alerts.ts');
        const result = await sendAlerts(opts.dryRun ? await ctx.readDb() : await ctx.db(), ctx.config().config, {
          period: opts.period,
          ...(opts.team ? { team: opts.team } : {}),
          ...(opts.asOf ? { asOf: opts.asOf } : {}),
          ...(opts.dryRun ? { dryRunDir: opts.out! } : {}),
          onOutcome: ctx.opts.json ? undefined : (o) => ctx.out(describe(o)),
        });
        ctx.print(result, () => summary(ctx, result));
        assertAlertsDelivered(result);
      }),
    );
};

function describe(o: AlertOutcome): string {
  const what = `${o.team_id} ${o.alert_key} by ${o.channel}`;
  switch (o.status) {
    case 'sent':
      return `sent     ${what} → ${o.recipients}: ${o.response ?? ''} (${o.attempts} attempt${o.attempts === 1 ? '' : 's'})`;
    case 'failed':
      return `FAILED   ${what} → ${o.recipients}: ${o.response ?? ''} (${o.attempts} attempt${o.attempts === 1 ? '' : 's'})`;
    case 'written':
      return `written  ${what} → ${o.file ?? ''}`;
    default:
      return `skipped  ${what}: ${o.note ?? ''}`;
  }
}

function summary(ctx: Context, r: AlertsResult): void {
  const n = (s: AlertOutcome['status']) => r.outcomes.filter((o) => o.status === s).length;
  const head = `${r.period}${r.run_id !== null ? ` (run #${r.run_id}, as of ${r.as_of})` : ''}: ${r.alerts.length} alert${r.alerts.length === 1 ? '' : 's'}`;
  ctx.out(
    r.dry_run
      ? `${head}; dry run: ${n('written')} written, ${n('skipped')} skipped; nothing sent, send log unchanged.`
      : `${head}; ${n('sent')} sent, ${n('failed')} failed, ${n('skipped')} skipped.`,
  );
}
