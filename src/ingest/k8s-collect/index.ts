// `allot collect k8s`: one usage snapshot per cluster, now, from the
// Kubernetes API (and metrics.k8s.io), written through commitSnapshots.
import type { KubeConfig } from '@kubernetes/client-node';
import type { Store } from '../../store/db.ts';
import { AllotError, UsageError } from '../../util/errors.ts';
import { commitSnapshots, type SnapshotImportResult } from '../k8s/index.ts';
import { checkWindow, collectClusterSnapshot, DEFAULT_WINDOW_SECONDS, type CollectedSnapshot } from './collect.ts';
import { K8S_COLLECT_SOURCE } from './defaults.ts';

export {
  checkWindow, collectClusterSnapshot, collectSnapshot, windowStart, DEFAULT_PAGE_SIZE, DEFAULT_WINDOW_SECONDS,
  type CollectedSnapshot, type CollectSnapshotOptions,
} from './collect.ts';
export { KubernetesError, OPERATIONS, RBAC_HINT, describeKubernetesFailure } from './errors.ts';
export { IN_CLUSTER_CONTEXT, kubeTargets, loadKubeConfig, type KubeTarget } from './kubeconfig.ts';
export { parseQuantity, parseDecimal, toBytes, toCores, toMicroCores, formatDec, type Dec } from './quantity.ts';
export { podRequest } from './requests.ts';

export { K8S_COLLECT_SOURCE };

/** One cluster to collect and the cluster id its snapshot gets. */
export interface CollectTarget {
  kc: KubeConfig;
  /** Default: the context's name. */
  cluster?: string;
}

export interface CollectK8sOptions {
  window?: number;
  now?: Date;
  pageSize?: number;
  /** Called for each warning as it happens. */
  warn?: (message: string) => void;
}

/** What became of one context: imported, or failed (nothing of it written). */
export type CollectOutcome =
  | ({ status: 'imported'; cluster: string; import: SnapshotImportResult } & Omit<CollectedSnapshot, 'snapshot'> & {
      ts: string;
      window: number;
      nodes: number;
      namespaces: number;
      pods: number;
    })
  | { status: 'failed'; context: string; cluster: string; error: AllotError };

/**
 * Collects each target in turn and imports its snapshot at once (one import
 * per cluster, source `k8s-collect`): a failing cluster does not hold back
 * the others, and a second collection in the same window replaces the
 * first. Failures are returned, not thrown; anything but an AllotError (a
 * bug) is thrown.
 */
export async function collectK8s(store: Store, targets: CollectTarget[], opts: CollectK8sOptions = {}): Promise<CollectOutcome[]> {
  const window = checkWindow(opts.window ?? DEFAULT_WINDOW_SECONDS);
  const clusters = targets.map((t) => t.cluster ?? t.kc.getCurrentContext());
  const dup = clusters.find((c, i) => clusters.indexOf(c) !== i);
  if (dup !== undefined) throw new UsageError(`two contexts would write cluster "${dup}": give each context its own cluster id`);
  const now = opts.now ?? new Date();
  const out: CollectOutcome[] = [];
  for (const [i, t] of targets.entries()) {
    const context = t.kc.getCurrentContext();
    const cluster = clusters[i]!;
    try {
      const c = await collectClusterSnapshot(t.kc, { cluster, window, now, pageSize: opts.pageSize, warn: opts.warn });
      const result = await commitSnapshots(store, { source: K8S_COLLECT_SOURCE, file: `${K8S_COLLECT_SOURCE}:${context}:${c.snapshot.ts}`, format: 'api', sha256: null }, [
        c.snapshot,
      ]);
      const { snapshot, ...rest } = c;
      out.push({
        status: 'imported',
        cluster,
        import: result,
        ...rest,
        ts: snapshot.ts,
        window: snapshot.window_seconds,
        nodes: snapshot.nodes.length,
        namespaces: snapshot.namespaces.length,
        pods: snapshot.pods.length,
      });
    } catch (e) {
      if (!(e instanceof AllotError)) throw e;
      out.push({ status: 'failed', context, cluster, error: e });
    }
  }
  return out;
}
