import { existsSync } from 'node:fs';
import { InvalidArgumentError, Option } from 'commander';
import { DEFAULT_PAGE_SIZE, DEFAULT_WINDOW_SECONDS } from '../ingest/k8s-collect/defaults.ts';
import type { CollectOutcome } from '../ingest/k8s-collect/index.ts';
import { AllotError, UsageError } from '../util/errors.ts';
import type { Register } from './register.ts';
import type { Context } from './context.ts';
import { count, plural } from './format.ts';

const positiveInt = (flag: string) => (v: string) => {
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new InvalidArgumentError(`${flag} must be a positive whole number`);
  return Number(v);
};

/** `allot collect k8s [--context NAME...] [--cluster ID] [--window SECONDS]` */
export const registerCollect: Register = (program, run) => {
  const collect = program.command('collect').description('take usage snapshots from live systems now (run it on a schedule)');
  collect
    .command('k8s')
    .description(
      'snapshot each Kubernetes cluster now (nodes, namespaces, pod requests, metrics-server usage) and import it; ' +
        'configuration from KUBECONFIG, ~/.kube/config or the pod\'s service account',
    )
    .option('--context <name...>', 'kubeconfig contexts to collect, one snapshot each (default: the current context)')
    .option('--cluster <id>', 'cluster id of the snapshot, as the config\'s clusters[].id (one context only; default: the context name)')
    .addOption(
      new Option('--window <seconds>', 'seconds one snapshot stands for: the collection interval, a divisor of a day; ts = now truncated to it')
        .default(DEFAULT_WINDOW_SECONDS)
        .argParser(positiveInt('--window')),
    )
    .addOption(new Option('--page-size <n>', 'items per list request').default(DEFAULT_PAGE_SIZE).argParser(positiveInt('--page-size')))
    .action((opts: { context?: string[]; cluster?: string; window: number; pageSize: number }) =>
      run(async (ctx) => {
        const { collectK8s, kubeTargets, loadKubeConfig } = await import('../ingest/k8s-collect/index.ts');
        const targets = kubeTargets(loadKubeConfig(), opts.context ?? []);
        if (opts.cluster !== undefined && targets.length > 1) {
          throw new UsageError('--cluster names one cluster: with several --context values each snapshot takes its context name');
        }
        if (opts.cluster === undefined && targets.some((t) => t.inCluster)) {
          throw new UsageError('running in a pod (in-cluster configuration): pass --cluster <id> to name this cluster as the config\'s clusters[].id does');
        }
        const withIds = targets.map((t) => ({ kc: t.kc, cluster: opts.cluster ?? t.context }));
        warnUnconfiguredClusters(ctx, withIds.map((t) => t.cluster));
        const store = await ctx.db({ create: true });
        const outcomes = await collectK8s(store, withIds, {
          window: opts.window,
          pageSize: opts.pageSize,
          warn: (m) => ctx.err(`warning: ${m}`),
        });
        ctx.print(
          outcomes.map((o) => (o.status === 'failed' ? { ...o, error: o.error.message } : o)),
          () => {
            for (const o of outcomes) for (const line of describeCollect(o)) ctx.out(line);
          },
        );
        const failed = outcomes.filter((o) => o.status === 'failed');
        if (failed.length === 1 && outcomes.length === 1) throw failed[0]!.error;
        if (failed.length) {
          throw new AllotError(
            `${failed.length} of ${outcomes.length} contexts failed (the others were imported): ` +
              failed.map((f) => f.error.message).join('; '),
          );
        }
      }),
    );
};

/**
 * Snapshots of a cluster the config does not list are stored but never
 * attributed: say so while it is easy to fix. Skipped when there is no
 * config file (a collector pod often has none).
 */
export function warnUnconfiguredClusters(ctx: Context, clusters: string[]): void {
  if (!existsSync(ctx.opts.config)) return;
  const configured = new Set(ctx.config().config.clusters.map((c) => c.id));
  for (const c of clusters) {
    if (!configured.has(c)) {
      ctx.err(
        `warning: cluster "${c}" is not among the clusters of ${ctx.opts.config} (${[...configured].join(', ') || 'none'}): ` +
          'its snapshots are stored but not attributed until clusters[] lists it (or use --cluster)',
      );
    }
  }
}


/** Human lines for one context. Warnings went to stderr as they happened. */
export function describeCollect(o: CollectOutcome): string[] {
  if (o.status === 'failed') return [`${o.context}: FAILED: ${o.error.message}`];
  const r = o.import;
  const lines = [
    `${o.context}: import #${r.importId}: cluster ${o.cluster} at ${o.ts} (window ${count(o.window)} s), ` +
      `${plural(o.nodes, 'node')}, ${plural(o.namespaces, 'namespace')}, ${plural(o.pods, 'pod')} ` +
      `(${o.metrics ? `${count(o.podsWithUsage)} with usage` : 'requests only: no metrics API'})` +
      (r.replacedSnapshots ? `, replaces the earlier snapshot of import ${r.replaced.map((id) => `#${id}`).join(', ')}` : ''),
  ];
  const skipped = [
    o.skipped.finished ? `${count(o.skipped.finished)} finished` : '',
    o.skipped.unscheduled ? `${count(o.skipped.unscheduled)} unscheduled` : '',
  ].filter(Boolean);
  if (skipped.length) lines.push(`  left out: ${skipped.join(', ')} pod${o.skipped.finished + o.skipped.unscheduled === 1 ? '' : 's'}`);
  return lines;
}
