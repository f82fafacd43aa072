import type { Explanation } from '../explain/explain.ts';
import { periodOption } from './options.ts';
import type { Register } from './register.ts';
import type { Context } from './context.ts';
import { money, table } from './format.ts';

export const registerExplain: Register = (program, run) => {
  program
    .command('explain')
    .description('show why a team\'s number is what it is: rules, tags, namespaces, usage, idle and shared splits, largest line items')
    .addOption(periodOption())
    .requiredOption('--team <id>', 'team id (or "unallocated")')
    .option('--top <n>', 'how many line items to list', '10')
    .action((opts: { period: string; team: string; top: string }) =>
      run(async (ctx) => {
        const { explain } = await import('../explain/explain.ts');
        const e = await explain(await ctx.readDb(), opts.period, opts.team, { top: Number(opts.top) });
        ctx.print(e, () => printExplanation(ctx, e));
      }),
    );
};

function printExplanation(ctx: Context, e: Explanation): void {
  ctx.out(`${e.team_name} (${e.team_id}) — ${e.period}, run #${e.run_id}: ${e.totals.map((t) => `${money(t.amount)} ${t.currency}`).join(', ')}`);
  for (const r of e.rows) {
    ctx.out('');
    ctx.out(`${r.charge_type} · ${r.service}: ${money(r.amount)} ${r.currency} (exact ${r.amount_exact}, ${r.line_items} line items)`);
    for (const b of r.bases) {
      const usage = b.cpu_core_hours !== null ? `, ${b.cpu_core_hours} core-h, ${b.mem_gib_hours} GiB-h` : '';
      const weight = b.weight !== null ? `, weight ${b.weight}` : '';
      ctx.out(`  ${money(b.amount).padStart(14)}  ${b.detail}${usage}${weight} [${b.line_items} line items]`);
    }
  }
  for (const c of e.clusters) {
    ctx.out('');
    ctx.out(`Cluster ${c.cluster} (${c.currency}): pool ${money(c.pool_cost)} from ${c.line_items} line items, idle policy ${c.idle_policy}`);
    ctx.out(`  CPU: capacity ${c.cpu_capacity_core_hours ?? '-'} core-h, used (max of request, usage) ${c.cpu_used_core_hours ?? '-'} core-h, cost ${money(c.cpu_cost)}`);
    ctx.out(`  Memory: capacity ${c.mem_capacity_gib_hours ?? '-'} GiB-h, used ${c.mem_used_gib_hours ?? '-'} GiB-h, cost ${money(c.mem_cost)}`);
    ctx.out(`  Idle: ${money(c.idle_cost)}`);
  }
  for (const p of e.pools) {
    ctx.out('');
    ctx.out(`Shared pool ${p.pool} (${p.currency}): ${money(p.total)}; this team's weight ${p.team_weight} of ${p.total_weight}`);
    for (const i of p.inputs) ctx.out(`  ${money(i.amount).padStart(14)}  ${i.detail} (${i.service})`);
  }
  if (e.largest_line_items.length > 0) {
    ctx.out('');
    ctx.out('Largest line items behind it:');
    ctx.out(
      table(
        ['cost', 'type', 'service', 'account', 'resource', 'matched by', 'source'],
        e.largest_line_items.map((l) => [
          money(l.cost), l.charge_type, l.service ?? '', l.sub_account_id ?? '', truncate(l.resource_id ?? '', 40), l.matched_by,
          `${l.file ?? '?'}:${l.line}`,
        ]),
        [0],
      ),
    );
  }
}

const truncate = (s: string, n: number) => (s.length > n ? `…${s.slice(-(n - 1))}` : s);
