import { periodOption } from './options.ts';
import type { AttributionResult } from '../allocate/run.ts';
import type { TieOut, TieOutLine } from '../allocate/tieout.ts';
import type { RunComparison } from '../allocate/whatif.ts';
import { compareDecimal } from '../util/decimal.ts';
import { UsageError } from '../util/errors.ts';
import type { Register } from './register.ts';
import type { Context } from './context.ts';
import { count, money, table } from './format.ts';


export const registerAttribute: Register = (program, run) => {
  program
    .command('attribute')
    .description('attribute the period\'s cost to teams (the four steps of the contract) and check it reconciles')
    .addOption(periodOption())
    .option('--dry-run', 'compute the period with the configuration (--config) and compare it with what is published; write nothing', false)
    .action((opts: { period: string; dryRun: boolean }) =>
      run(async (ctx) => {
        const config = ctx.config(); // validate before the store is opened or created
        if (opts.dryRun) {
          const { whatIf } = await import('../allocate/whatif.ts');
          const cmp = await whatIf(await ctx.readDb(), config, opts.period);
          ctx.print(cmp, () => printComparison(ctx, cmp));
          return;
        }
        const { attribute } = await import('../allocate/run.ts');
        const result = await attribute(await ctx.db(), config, opts.period);
        ctx.print(result, () => printAttribution(ctx, result));
      }),
    );
  program
    .command('diff')
    .description('compare two stored runs of a period: per team, and the rules, tags and namespaces whose matches changed')
    .addOption(periodOption())
    .requiredOption('--from <run>', 'the earlier run id')
    .requiredOption('--to <run>', 'the later run id')
    .action((opts: { period: string; from: string; to: string }) =>
      run(async (ctx) => {
        const [from, to] = [opts.from, opts.to].map((r) => {
          if (!/^\d+$/.test(r)) throw new UsageError(`a run is a number, got "${r}"`);
          return Number(r);
        }) as [number, number];
        const { diffRuns } = await import('../allocate/whatif.ts');
        const cmp = await diffRuns(await ctx.readDb(), opts.period, from, to);
        ctx.print(cmp, () => printComparison(ctx, cmp));
      }),
    );
};

/** Per team: before, after, change; then the matches that moved. */
export function printComparison(ctx: Context, c: RunComparison): void {
  ctx.out(`${c.period}: ${c.from.label} → ${c.to.label}`);
  ctx.out('');
  const changed = c.teams.filter((t) => !/^-?0(\.0+)?$/.test(t.change));
  ctx.out(
    table(
      ['team', 'currency', 'before', 'after', 'change'],
      c.teams.map((t) => [t.team_id, t.currency, money(t.before), money(t.after), /^-?0(\.0+)?$/.test(t.change) ? '' : signed(t.change)]),
      [2, 3, 4],
    ),
  );
  ctx.out('');
  ctx.out(changed.length ? `${changed.length} of ${c.teams.length} rows change.` : 'No team\'s amount changes.');
  if (c.matches.length) {
    ctx.out('');
    ctx.out('Matches that changed (line items and amount, before → after):');
    for (const m of c.matches.slice(0, 20)) {
      const items = m.line_items_before === null ? '' : `${m.line_items_before} → ${m.line_items_after} line items, `;
      ctx.out(`  ${m.detail} → ${m.target}: ${items}${money(m.amount_before)} → ${money(m.amount_after)} ${m.currency}`);
    }
    if (c.matches.length > 20) ctx.out(`  … and ${c.matches.length - 20} more (--json lists all)`);
  }
  if (c.to.run_id === null) ctx.out('\nNothing was written.');
}

const signed = (x: string): string => (x.startsWith('-') ? money(x) : `+${money(x)}`);

/** The per-team table, % allocated, top unallocated reasons, then conservation and the tie-out: two checks, never mixed. */
export function printAttribution(ctx: Context, r: AttributionResult): void {
  ctx.out(`Period ${r.period} — run #${r.runId}, ${r.lineItems} line items, cost measure ${r.costMetric}`);
  ctx.out(
    `  ${r.inputs.classes} distinct combinations of the columns the rules read (classes), each classified once` +
      (r.inputs.kept.classes ? '; their sums read back from an earlier run over these same line items' : ''),
  );
  ctx.out('');
  ctx.out(
    table(
      ['team', 'currency', 'total', 'direct', 'kubernetes', 'idle', 'shared', 'unallocated'],
      r.teams.map((t) => [t.team_id, t.currency, money(t.total), money(t.direct), money(t.kubernetes), money(t.idle), money(t.shared), money(t.unallocated)]),
      [2, 3, 4, 5, 6, 7],
    ),
  );
  if (r.unallocatedReasons.length > 0) {
    ctx.out('');
    ctx.out('Top unallocated reasons:');
    for (const u of r.unallocatedReasons.slice(0, 5)) ctx.out(`  ${money(u.amount).padStart(14)} ${u.currency}  ${u.reason} (${u.line_items} line items)`);
  }
  ctx.out('');
  printConservation(ctx, r);
  ctx.out('');
  printTieOut(ctx, r.tieout);
}

/** Conservation: the run's rows sum to what is stored (not that what is stored is the bill). */
export function printConservation(ctx: Context, r: AttributionResult): void {
  ctx.out(`Conservation (the rows against the stored line items of ${r.period}, ${r.costMetric}):`);
  for (const t of r.totals) {
    const pct = r.allocatedPercent.find((p) => p.currency === t.currency)?.percent ?? '0';
    const adj = Number(t.adjustments) !== 0 ? ` and ${money(t.adjustments)} of adjustments` : '';
    ctx.out(
      `  ${t.currency}: ${count(Number(t.line_items))} line items${adj} sum to ${money(t.bill_rounded)}; the rows to ${money(t.allocated_rounded)} — ` +
        `${t.ok ? 'conserved to the cent' : 'NOT CONSERVED'}; ${pct}% allocated to teams`,
    );
  }
}

/** Tie-out: the stored bill (BilledCost) of the billing period against invoices and other control totals. */
export function printTieOut(ctx: Context, t: TieOut): void {
  ctx.out(`Tie-out (BilledCost of billing period ${t.billing_period} against control totals from outside the line items):`);
  if (!t.lines.length) ctx.out('  no line items of this billing period');
  for (const l of t.lines) {
    const who = [l.provider, l.billing_account_id].filter(Boolean).join(' ');
    ctx.out(`  ${who}${l.invoice_id ? ` invoice ${l.invoice_id}` : ''} ${l.currency}: ${describeTieOutStatus(l)}`);
  }
  for (const w of t.warnings) ctx.out(`  warning: ${w}`);
}

/** One line for a tie-out line: "ties to invoice INV-1 (12,345.67 EUR)". */
export function describeTieOutStatus(l: TieOutLine): string {
  const what = l.control.length === 0 ? '' : l.control[0]!.kind === 'aws-ce' ? "Cost Explorer's unblended total" : invoiceNames(l);
  if (l.status === 'no-control') return `no invoice on file (stored ${money(l.stored_rounded)} ${l.currency})`;
  if (l.status === 'ties') return `ties to ${what} (${money(l.control_total!)} ${l.currency})`;
  const sign = compareDecimal(l.difference!, '0') > 0 ? 'more' : 'less';
  return `differs from ${what} by ${money(l.difference!.replace(/^-/, ''))} ${l.currency}: stored ${money(l.stored_rounded)}, ${sign} than ${money(l.control_total!)}`;
}

function invoiceNames(l: TieOutLine): string {
  const ids = l.control.map((c) => c.invoice_id).filter(Boolean);
  if (!ids.length) return l.control.length === 1 ? 'the invoice on file' : `the ${l.control.length} invoices on file`;
  return `${ids.length === 1 ? 'invoice' : 'invoices'} ${ids.join(', ')}`;
}
