import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { addDec, isNegative, maxDec, parseQuantity, ZERO, type Dec } from './quantity.ts';

export type Resource = 'cpu' | 'memory';

/** A quantity Kubernetes should never have stored (the API server validates them). */
export class QuantityError extends Error {}

function quantity(map: Record<string, string> | undefined, resource: Resource, where: string): Dec {
  const raw = map?.[resource];
  if (raw === undefined || raw === null) return ZERO;
  const d = parseQuantity(String(raw).trim());
  if (!d || isNegative(d)) throw new QuantityError(`${where}: ${resource} "${String(raw)}" is not a non-negative Kubernetes quantity`);
  return d;
}

const containerRequest = (c: V1Container, resource: Resource, where: string) =>
  quantity(c.resources?.requests, resource, `${where} container ${c.name}`);

/**
 * The request the scheduler reserves for a pod, as Kubernetes computes it
 * (resource helpers `PodRequests`, KEP-753 for sidecars):
 *
 * - pod-level `spec.resources.requests` (Kubernetes ≥ 1.32) when set for the resource; else
 * - max( Σ app containers + Σ sidecars (init containers with `restartPolicy: Always`),
 *        max over each init container i of its request + the sidecars started before it,
 *        and for a sidecar the sidecars up to and including it );
 * - plus `spec.overhead` (RuntimeClass).
 *
 * A container without a request counts 0 (the API server has already
 * copied a limit into a missing request).
 */
export function podRequest(pod: V1Pod, resource: Resource): Dec {
  const where = `pod ${pod.metadata?.namespace ?? '?'}/${pod.metadata?.name ?? '?'}`;
  const spec = pod.spec;
  if (!spec) return ZERO;
  let total: Dec;
  const podLevel = spec.resources?.requests?.[resource];
  if (podLevel !== undefined && podLevel !== null) {
    total = quantity(spec.resources?.requests, resource, `${where} spec.resources`);
  } else {
    let sidecars = ZERO;
    let initPeak = ZERO;
    for (const c of spec.initContainers ?? []) {
      const r = containerRequest(c, resource, `${where} init`);
      if (c.restartPolicy === 'Always') {
        sidecars = addDec(sidecars, r);
        initPeak = maxDec(initPeak, sidecars);
      } else {
        initPeak = maxDec(initPeak, addDec(sidecars, r));
      }
    }
    let app = sidecars;
    for (const c of spec.containers ?? []) app = addDec(app, containerRequest(c, resource, where));
    total = maxDec(app, initPeak);
  }
  return addDec(total, quantity(spec.overhead, resource, `${where} spec.overhead`));
}
