import { Option } from 'commander';
import type { PrometheusBackfillResult } from '../ingest/prometheus/index.ts';
import { periodOption } from './options.ts';
import { warnUnconfiguredClusters } from './collect.ts';
import type { RegisterSource } from './register.ts';
import { makeProgress, silentProgress } from './progress.ts';
import { count, plural } from './format.ts';

/** `allot ingest prometheus --period YYYY-MM --url URL --cluster ID [--step 1h] [--selector MATCHERS]` */
export const registerIngestPrometheus: RegisterSource = (ingest, run) => {
  ingest
    .command('prometheus')
    .description(
      'backfill a month of Kubernetes usage snapshots (one per step) from Prometheus: kube-state-metrics requests, ' +
        'capacity and namespace labels, cAdvisor usage; a re-run replaces the same snapshots. Bearer token: ALLOT_PROMETHEUS_TOKEN',
    )
    .addOption(periodOption())
    .requiredOption('--url <url>', 'Prometheus base URL, e.g. http://prometheus:9090 (user:password@ for basic auth)')
    .requiredOption('--cluster <id>', 'cluster id of the snapshots, as the config\'s clusters[].id')
    .addOption(new Option('--step <duration>', 'window of one snapshot (5m, 15m, 30m, 1h, 2h, 1d…)').default('1h'))
    .option('--selector <matchers>', 'label matchers added to every series, when one Prometheus holds several clusters, e.g. cluster="prod"')
    .action((opts: { period: string; url: string; cluster: string; step: string; selector?: string }) =>
      run(async (ctx) => {
        const { backfillPrometheus, parseStep } = await import('../ingest/prometheus/index.ts');
        const step = parseStep(opts.step);
        warnUnconfiguredClusters(ctx, [opts.cluster]);
        const store = await ctx.db({ create: true });
        const result = await backfillPrometheus(store, {
          url: opts.url,
          cluster: opts.cluster,
          period: opts.period,
          step,
          selector: opts.selector,
          bearerToken: process.env.ALLOT_PROMETHEUS_TOKEN || undefined,
          progress: ctx.opts.json ? silentProgress : makeProgress(ctx.err),
        });
        ctx.print(result, () => {
          for (const line of describePrometheusBackfill(result)) ctx.out(line);
        });
        for (const w of result.warnings) ctx.err(`warning: ${w}`);
      }),
    );
};


/** Human lines for one backfill. Warnings are printed separately (stderr). */
export function describePrometheusBackfill(r: PrometheusBackfillResult): string[] {
  const lines = [
    `${r.file}: import #${r.importId}: ${plural(r.snapshots, 'snapshot')} of ${count(r.step)} s for cluster ${r.cluster}, ${r.from} .. ${r.to}, ` +
      `${plural(r.pods, 'pod row')}, ${count(r.requests)} range ${r.requests === 1 ? 'query' : 'queries'}` +
      (r.partial ? ` (current month: ${count(r.windowsAsked)} of ${count(r.windows)} windows are over)` : ''),
  ];
  if (r.note) lines.push(`  note: ${r.note}`);
  return lines;
}
