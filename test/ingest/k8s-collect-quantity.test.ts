import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { coresToMicros } from '../../src/ingest/k8s/snapshot.ts';
import { formatDec, parseDecimal, parseQuantity, podRequest, toBytes, toCores, toMicroCores } from '../../src/ingest/k8s-collect/index.ts';
import { QuantityError } from '../../src/ingest/k8s-collect/requests.ts';
import { kPod } from '../servers/kube-api.ts';

const q = (s: string) => {
  const d = parseQuantity(s);
  if (!d) throw new Error(`not a quantity: ${s}`);
  return d;
};

describe('Kubernetes quantities (exact)', () => {
  it.each([
    ['100m', '0.1', 100_000n],
    ['1', '1', 1_000_000n],
    ['250000n', '0.00025', 250n],
    ['123456n', '0.000123456', 123n],
    ['1500n', '0.0000015', 2n], // half up
    ['1499n', '0.000001499', 1n],
    ['499n', '0.000000499', 0n],
    ['2u', '0.000002', 2n],
    ['1e3', '1000', 1_000_000_000n],
    ['1E3', '1000', 1_000_000_000n],
    ['1e-3', '0.001', 1_000n],
    ['1.5', '1.5', 1_500_000n],
    ['.5', '0.5', 500_000n],
    ['5.', '5', 5_000_000n],
    ['+2', '2', 2_000_000n],
    ['0.21', '0.21', 210_000n],
    ['3.999999', '3.999999', 3_999_999n],
    ['2k', '2000', 2_000_000_000n],
  ])('%s cores = %s (micro-cores %s)', (text, exact, micro) => {
    expect(formatDec(q(text))).toBe(exact);
    expect(toMicroCores(q(text))).toBe(micro);
    // The JSON number the snapshot gets turns back into the same micro-cores.
    expect(BigInt(coresToMicros(toCores(q(text))))).toBe(micro);
  });

  it.each([
    ['128Mi', 134217728],
    ['1Gi', 1073741824],
    ['0.5Gi', 536870912],
    ['16318376Ki', 16710017024],
    ['500M', 500000000],
    ['1e3', 1000],
    ['1.5', 2], // Kubernetes' Value() rounds up
    ['100m', 1],
    ['1000m', 1],
    ['64Ti', 70368744177664],
    ['2G', 2000000000],
    ['0', 0],
  ])('%s = %d bytes', (text, bytes) => {
    expect(toBytes(q(text))).toBe(bytes);
  });

  it('keeps huge values exact until the end', () => {
    expect(formatDec(q('1E'))).toBe('1000000000000000000');
    expect(formatDec(q('8Ei'))).toBe('9223372036854775808');
    expect(toBytes(q('8Ei'))).toBe(Number.POSITIVE_INFINITY); // beyond 2^53-1: refused by snapshot validation
    expect(toCores(q('999999999.999999'))).toBe(999999999.999999);
  });

  it.each(['', ' 1', '1 ', 'abc', '1.2.3', '1 Gi', '1gi', '1KiB', '1KI', '--1', 'e3', '1e', '1e+', 'Mi', '1i', '0x10', '1,5', 'NaN', '1e999', '1mm'])(
    'refuses %j',
    (text) => {
      expect(parseQuantity(text)).toBeUndefined();
    },
  );

  it('parses negative quantities (callers refuse them)', () => {
    expect(formatDec(q('-100m'))).toBe('-0.1');
  });

  it('parses Prometheus sample values exactly', () => {
    const d = (s: string) => parseDecimal(s) && formatDec(parseDecimal(s)!);
    expect(d('0.25')).toBe('0.25');
    expect(d('1.5e+09')).toBe('1500000000');
    expect(d('301989888')).toBe('301989888');
    expect(d('0.0001234565')).toBe('0.0001234565');
    expect(toMicroCores(parseDecimal('0.0001234565')!)).toBe(123n);
    expect(toMicroCores(parseDecimal('0.0001235')!)).toBe(124n);
    expect(toBytes(parseDecimal('301989888.5')!, 'half-up')).toBe(301989889);
    expect(toBytes(parseDecimal('301989888.49')!, 'half-up')).toBe(301989888);
    for (const bad of ['NaN', '+Inf', '-Inf', '1Gi', '', '100m', '0x1']) expect(parseDecimal(bad), bad).toBeUndefined();
  });
});

describe('pod requests as the scheduler counts them', () => {
  const req = (pod: Record<string, unknown>) => ({
    cpu: formatDec(podRequest(pod as V1Pod, 'cpu')),
    memory: toBytes(podRequest(pod as V1Pod, 'memory')),
  });

  it('sums app containers', () => {
    expect(req(kPod('a', 'p', { containers: [{ cpu: '100m', memory: '128Mi' }, { cpu: '250m', memory: '64Mi' }] }))).toEqual({ cpu: '0.35', memory: 201326592 });
  });

  it('takes the larger of the biggest init container and the app containers, per resource', () => {
    const pod = kPod('a', 'p', {
      init: [{ cpu: '500m', memory: '64Mi' }, { cpu: '200m', memory: '32Mi' }],
      containers: [{ cpu: '100m', memory: '128Mi' }, { cpu: '250m', memory: '128Mi' }],
    });
    expect(req(pod)).toEqual({ cpu: '0.5', memory: 268435456 });
  });

  it('adds sidecars (restartPolicy Always) to the app containers and to the init containers after them', () => {
    // sidecar 100m, then init 400m: peak 500m during init; app 200m + sidecar 100m = 300m.
    expect(req(kPod('a', 'p', { init: [{ cpu: '100m', sidecar: true }, { cpu: '400m' }], containers: [{ cpu: '200m' }] })).cpu).toBe('0.5');
    // init 400m first (no sidecar yet), then the sidecar: peak 400m; app 300m.
    expect(req(kPod('a', 'p', { init: [{ cpu: '400m' }, { cpu: '100m', sidecar: true }], containers: [{ cpu: '200m' }] })).cpu).toBe('0.4');
    // A big sidecar makes the app sum win.
    expect(req(kPod('a', 'p', { init: [{ cpu: '1', sidecar: true }, { cpu: '400m' }], containers: [{ cpu: '200m' }] })).cpu).toBe('1.4');
  });

  it('adds the RuntimeClass overhead, and pod-level requests replace the containers', () => {
    expect(req(kPod('a', 'p', { containers: [{ cpu: '100m', memory: '1Gi' }], overhead: { cpu: '250m', memory: '120Mi' } }))).toEqual({
      cpu: '0.35',
      memory: 1199570944,
    });
    expect(req(kPod('a', 'p', { containers: [{ cpu: '100m', memory: '1Gi' }], podRequests: { cpu: '2' } }))).toEqual({ cpu: '2', memory: 1073741824 });
  });

  it('counts a container without requests as 0 and refuses a bad quantity', () => {
    expect(req(kPod('a', 'p', { containers: [{}, { cpu: '1m' }] }))).toEqual({ cpu: '0.001', memory: 0 });
    expect(() => podRequest(kPod('shop', 'web', { containers: [{ name: 'nginx', cpu: 'lots' }] }) as V1Pod, 'cpu')).toThrow(
      new QuantityError('pod shop/web container nginx: cpu "lots" is not a non-negative Kubernetes quantity'),
    );
  });
});
