import { Option } from 'commander';
import type { SendLogRow } from '../deliver/send-log.ts';
import { periodOption } from './options.ts';
import type { Register } from './register.ts';
import { table } from './format.ts';

/**
 * `allot sends --period P [--team T]`: the send log of a period, every
 * message handed to the SMTP server (by `allot send`, `allot run` or the
 * workers) with its status and the server's reply. Reads the store only.
 */
export const registerSends: Register = (program, run) => {
  program
    .command('sends')
    .description('show the send log of a period: each team report mailed, to whom, its status and the SMTP server\'s reply')
    .addOption(periodOption())
    .addOption(new Option('--team <id>', 'one team only'))
    .action((opts: { period: string; team?: string }) =>
      run(async (ctx) => {
        const { readSendLog } = await import('../deliver/send-log.ts');
        const rows = await readSendLog(await ctx.readDb(), opts.period, opts.team);
        ctx.print(rows, () => {
          if (rows.length === 0) {
            ctx.out(`Nothing was mailed for ${opts.period}${opts.team ? ` to team ${opts.team}` : ''}.`);
            return;
          }
          ctx.out(
            table(
              ['team', 'status', 'run', 'recipients', 'attempts', 'finished (UTC)', 'server reply', 'refused'],
              rows.map((r: SendLogRow) => [
                r.team_id, r.status + (r.resend ? ' (resend)' : ''), `#${r.run_id}`, r.recipients, String(r.attempts), r.sent_at ?? '', r.response ?? '', r.rejected ?? '',
              ]),
              [4],
            ),
          );
          const bad = rows.filter((r) => r.status !== 'sent' || r.rejected);
          ctx.out('');
          ctx.out(
            `${rows.length} message${rows.length === 1 ? '' : 's'} logged for ${opts.period}; ` +
              (bad.length ? `${bad.length} not (wholly) delivered: "allot send --period ${opts.period}" retries what was not sent` : 'all delivered'),
          );
        });
      }),
    );
};
