import { ApiException } from '@kubernetes/client-node';
import { AllotError } from '../../util/errors.ts';

/** Where the collector's permissions are written down. */
export const RBAC_HINT = 'grant the read-only ClusterRole in deploy/rbac/allot-collector-clusterrole.yaml (README, "Collecting from Kubernetes")';

/** What the collector asks of the API server, worded as RBAC speaks (verb + resource + scope). */
export const OPERATIONS = {
  nodes: 'list nodes at cluster scope',
  namespaces: 'list namespaces at cluster scope',
  pods: 'list pods at cluster scope',
  metrics: 'list pods.metrics.k8s.io at cluster scope',
} as const;
export type Operation = keyof typeof OPERATIONS;

/** A failed call to one cluster's API server, with the context it was for. Nothing was written. */
export class KubernetesError extends AllotError {
  constructor(
    readonly context: string,
    readonly operation: Operation | undefined,
    /** HTTP status, when the server answered. */
    readonly status: number | undefined,
    message: string,
  ) {
    super(`context ${context}: ${message}`);
  }
}

/** A reply the collector cannot read (no items list, bad JSON, an impossible quantity). */
export class MalformedReplyError extends Error {}

/** The `message` of a Kubernetes Status object in an error body (a JSON string or a parsed object). */
export function statusMessage(body: unknown): string | undefined {
  let b = body;
  if (typeof body === 'string') {
    try {
      b = JSON.parse(body) as unknown;
    } catch {
      const text = body.trim();
      return text ? text.slice(0, 300) : undefined;
    }
  }
  if (b && typeof b === 'object' && typeof (b as { message?: unknown }).message === 'string') return (b as { message: string }).message;
  return undefined;
}

/** client-node's Metrics class wraps transport and JSON failures as `ApiException(500, "Error occurred in metrics request: …")`. */
const METRICS_WRAPPED = /Message: Error occurred in metrics request: ([\s\S]*?)\nBody:/;

/** Turns whatever one API call threw into a one-line KubernetesError naming the context, the server and the permission. */
export function describeKubernetesFailure(context: string, server: string, op: Operation, err: unknown): KubernetesError {
  const what = OPERATIONS[op];
  if (err instanceof KubernetesError) return err;
  if (err instanceof ApiException) {
    const code = Number(err.code);
    const wrapped = op === 'metrics' ? METRICS_WRAPPED.exec(err.message) : null;
    if (wrapped) {
      return new KubernetesError(context, op, undefined, `cannot ${what} at ${server}: ${wrapped[1]}`);
    }
    const msg = statusMessage(err.body);
    if (code === 401) {
      return new KubernetesError(
        context, op, 401,
        `the Kubernetes API at ${server} did not accept the credentials (401 Unauthorized${msg && msg !== 'Unauthorized' ? `: ${msg}` : ''}) ` +
          `to ${what}: the kubeconfig user's token or client certificate is missing, wrong or expired; ` +
          `Allot needs a user allowed to list nodes, namespaces, pods and pods.metrics.k8s.io: ${RBAC_HINT}`,
      );
    }
    if (code === 403) {
      return new KubernetesError(
        context, op, 403,
        `Kubernetes refused to ${what} (403 Forbidden${msg ? `: ${msg}` : ''}): the collector needs permission to ${what}; ${RBAC_HINT}`,
      );
    }
    return new KubernetesError(context, op, code, `${what} at ${server} failed: HTTP ${code}${msg ? `: ${msg}` : ''}`);
  }
  if (err instanceof MalformedReplyError || err instanceof SyntaxError) {
    return new KubernetesError(context, op, undefined, `${what}: the Kubernetes API at ${server} sent a malformed reply: ${err.message}`);
  }
  const e = err as Error;
  return new KubernetesError(context, op, undefined, `cannot reach the Kubernetes API at ${server} to ${what}: ${e?.message ?? String(err)}`);
}
