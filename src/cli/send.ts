import { Option } from 'commander';
import type { SendOutcome, SendResult } from '../deliver/send.ts';
import { UsageError } from '../util/errors.ts';
import { periodOption } from './options.ts';
import type { Register } from './register.ts';
import type { Context } from './context.ts';

/**
 * `allot send --period P [--team T] [--resend] [--dry-run --out DIR]`: mails
 * each team its showback/chargeback report over the config's smtp section.
 * Idempotent: what the send log shows as sent for the period is skipped.
 * Exits 1 listing every team whose email was not delivered.
 */
export const registerSend: Register = (program, run) => {
  program
    .command('send')
    .description('email each team its cost report for a period (once: the send log skips what was sent; --resend forces)')
    .addOption(periodOption())
    .addOption(new Option('--team <id>', 'one team only'))
    .option('--resend', 'send again even if the send log says it was sent', false)
    .option('--dry-run', 'write <team>.eml files instead of sending (needs --out); the send log is not touched', false)
    .option('--out <dir>', 'directory for the .eml files of --dry-run')
    .action((opts: { period: string; team?: string; resend: boolean; dryRun: boolean; out?: string }) =>
      run(async (ctx) => {
        if (opts.dryRun && !opts.out) throw new UsageError('--dry-run needs --out DIR for the .eml files');
        if (opts.out && !opts.dryRun) throw new UsageError('--out is only for --dry-run');
        const { assertDelivered, sendReports } = await import('../deliver/send.ts');
        const result = await sendReports(opts.dryRun ? await ctx.readDb() : await ctx.db(), ctx.config().config, {
          period: opts.period,
          ...(opts.team ? { team: opts.team } : {}),
          resend: opts.resend,
          ...(opts.dryRun ? { dryRunDir: opts.out! } : {}),
          onOutcome: ctx.opts.json ? undefined : (o) => ctx.out(describe(o)),
        });
        ctx.print(result, () => summary(ctx, result));
        assertDelivered(result);
      }),
    );
};

function describe(o: SendOutcome): string {
  const to = o.recipients.join(', ');
  switch (o.status) {
    case 'sent':
      return `sent     ${o.team_id} → ${to}: ${o.response ?? ''} (${o.attempts} attempt${o.attempts === 1 ? '' : 's'}, ${o.message_id})` +
        (o.rejected.length ? `; refused: ${o.rejected.join(', ')}` : '') + (o.note ? `; ${o.note}` : '');
    case 'failed':
      return `FAILED   ${o.team_id} → ${to}: ${o.response ?? ''} (${o.attempts} attempt${o.attempts === 1 ? '' : 's'})`;
    case 'written':
      return `written  ${o.team_id} → ${o.file ?? ''} (to ${to})${o.note ? `; ${o.note}` : ''}`;
    default:
      return `skipped  ${o.team_id}: ${o.note ?? ''}`;
  }
}

function summary(ctx: Context, r: SendResult): void {
  const n = (s: SendOutcome['status']) => r.outcomes.filter((o) => o.status === s).length;
  for (const w of r.warnings) ctx.err(`allot: warning: ${w}`);
  ctx.out(
    r.dry_run
      ? `${r.period} (run #${r.run_id}), dry run: ${n('written')} written, ${n('skipped')} skipped; nothing sent, send log unchanged.`
      : `${r.period} (run #${r.run_id}): ${n('sent')} sent, ${n('failed')} failed, ${n('skipped')} skipped.`,
  );
}
