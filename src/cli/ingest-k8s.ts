import type { SnapshotImportResult } from '../ingest/k8s/index.ts';
import type { RegisterSource } from './register.ts';
import { makeProgress, silentProgress } from './progress.ts';
import { count } from './format.ts';

/** `allot ingest k8s --snapshots FILE...` */
export const registerIngestK8s: RegisterSource = (ingest, run) => {
  ingest
    .command('k8s')
    .description('import Kubernetes usage snapshots (JSONL, one snapshot per line; gzipped too)')
    .requiredOption('--snapshots <file...>', 'snapshot files, each imported all or nothing')
    .action((opts: { snapshots: string[] }) =>
      run(async (ctx) => {
        const store = await ctx.db({ create: true });
        const progress = ctx.opts.json ? silentProgress : makeProgress(ctx.err);
        const { ingestSnapshotFile } = await import('../ingest/k8s/index.ts');
        const results: SnapshotImportResult[] = [];
        for (const file of opts.snapshots) {
          // One import per file: print each as it is committed, so a later bad file does not hide it.
          const r = await ingestSnapshotFile(store, file, { progress });
          results.push(r);
          if (!ctx.opts.json) for (const line of describeK8sImport(r)) ctx.out(line);
        }
        if (ctx.opts.json) ctx.print(results, () => undefined);
      }),
    );
};


/** Human lines for one file's import. */
export function describeK8sImport(r: SnapshotImportResult): string[] {
  if (r.status === 'noop') return [`${r.file}: already imported (${r.note ?? 'nothing changed'})`];
  const lines = [
    `${r.file}: import #${r.importId}: ${count(r.snapshots)} snapshot${r.snapshots === 1 ? '' : 's'}, ` +
      `${r.clusters.length} cluster${r.clusters.length === 1 ? '' : 's'} (${r.clusters.join(', ')}), ${r.from} .. ${r.to}, ` +
      `${count(r.pods)} pod rows, ${count(r.replacedSnapshots)} snapshot${r.replacedSnapshots === 1 ? '' : 's'} replaced`,
  ];
  for (const c of r.coverage) {
    lines.push(`  ${c.cluster}: ${count(c.snapshots)} snapshot${c.snapshots === 1 ? '' : 's'} ${c.from} .. ${c.to}, ${count(c.pods)} pod rows`);
  }
  if (r.note) lines.push(`  note: ${r.note}`);
  return lines;
}
