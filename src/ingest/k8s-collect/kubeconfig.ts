import { KubeConfig } from '@kubernetes/client-node';
import { AllotError, UsageError } from '../../util/errors.ts';

/** One cluster to collect: a KubeConfig set to one context. */
export interface KubeTarget {
  context: string;
  kc: KubeConfig;
  /** Loaded from the pod's service account (no kubeconfig). */
  inCluster: boolean;
}

/** The context name client-node gives the pod's service-account configuration. */
export const IN_CLUSTER_CONTEXT = 'inClusterContext';

/**
 * The standard configuration, as kubectl finds it: `KUBECONFIG` (files joined
 * with `:`), else `~/.kube/config`, else the pod's service account
 * (in-cluster). `load` is replaceable for tests.
 */
export function loadKubeConfig(load: (kc: KubeConfig) => void = (kc) => kc.loadFromDefault()): KubeConfig {
  const kc = new KubeConfig();
  try {
    load(kc);
  } catch (e) {
    throw new AllotError(`cannot load the Kubernetes configuration${process.env.KUBECONFIG ? ` (KUBECONFIG=${process.env.KUBECONFIG})` : ''}: ${(e as Error).message}`);
  }
  // Nothing found anywhere: client-node falls back to an unauthenticated http://localhost:8080.
  const cluster = kc.getCurrentCluster();
  if (kc.getCurrentContext() === 'loaded-context' && cluster?.name === 'cluster' && cluster.server === 'http://localhost:8080') {
    throw new AllotError(
      'no Kubernetes configuration found: set KUBECONFIG (or write ~/.kube/config), or run Allot in a pod with a service account',
    );
  }
  return kc;
}

/**
 * One KubeConfig per context to collect: the named ones (each must exist),
 * or the current context.
 */
export function kubeTargets(kc: KubeConfig, contexts: string[] = []): KubeTarget[] {
  const known = kc.getContexts().map((c) => c.name);
  const names = contexts.length ? [...new Set(contexts)] : [kc.getCurrentContext()];
  if (!contexts.length && !names[0]) {
    throw new UsageError(`the kubeconfig has no current-context: pass --context NAME (contexts: ${known.join(', ') || 'none'})`);
  }
  return names.map((context) => {
    if (!known.includes(context)) {
      throw new UsageError(`no context "${context}" in the kubeconfig (contexts: ${known.join(', ') || 'none'})`);
    }
    const one = new KubeConfig();
    one.loadFromOptions({ clusters: kc.clusters, users: kc.users, contexts: kc.contexts, currentContext: context });
    return { context, kc: one, inCluster: context === IN_CLUSTER_CONTEXT };
  });
}
