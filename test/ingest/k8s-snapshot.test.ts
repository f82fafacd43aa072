import { describe, expect, it } from 'vitest';
import { coresToMicros, formatMicros, timestampMicros, validateSnapshot } from '../../src/ingest/k8s/snapshot.ts';

const valid = {
  cluster: 'prod',
  ts: '2026-10-01T00:00:00Z',
  window_seconds: 3600,
  nodes: [
    { name: 'ip-10-0-1-5', provider_id: 'aws:///eu-west-1a/i-0abc', instance_type: 'm5.xlarge', cpu_capacity_cores: 4, memory_capacity_bytes: 17179869184, labels: {} },
  ],
  namespaces: [{ name: 'payments', labels: { team: 'payments' } }],
  pods: [
    {
      namespace: 'payments',
      name: 'api-7d9f',
      node: 'ip-10-0-1-5',
      cpu_request_cores: 0.5,
      cpu_usage_cores: 0.21,
      memory_request_bytes: 536870912,
      memory_usage_bytes: 301989888,
    },
  ],
};

describe('validateSnapshot', () => {
  it('accepts the contract example and ignores unknown keys', () => {
    const r = validateSnapshot({ ...valid, extra: 1 });
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.value).toEqual(valid);
  });

  it('names the first bad field by path', () => {
    const nodes = [valid.nodes[0], valid.nodes[0], { ...valid.nodes[0], name: 'x', cpu_capacity_cores: -1 }];
    expect(validateSnapshot({ ...valid, nodes })).toEqual({ ok: false, field: 'nodes[2].cpu_capacity_cores', why: 'must be a non-negative number' });
    expect(validateSnapshot({ ...valid, cluster: 7 })).toEqual({ ok: false, field: 'cluster', why: 'must be a non-empty string' });
    expect(validateSnapshot({ ...valid, pods: [{ ...valid.pods[0], name: undefined }] })).toEqual({ ok: false, field: 'pods[0].name', why: 'is required' });
    expect(validateSnapshot({ ...valid, pods: [valid.pods[0], valid.pods[0]] })).toEqual({
      ok: false,
      field: 'pods[1]',
      why: 'duplicate pod payments/api-7d9f (also pods[0])',
    });
    expect(validateSnapshot(null)).toEqual({ ok: false, field: '', why: 'must be a JSON object (one snapshot per line)' });
    expect(validateSnapshot({ ...valid, nodes: [{ ...valid.nodes[0], cpu_capacity_cores: 1e9 }] })).toEqual({
      ok: false,
      field: 'nodes[0].cpu_capacity_cores',
      why: 'must be a non-negative number below 1000000000',
    });
  });

  it('accepts missing and null usage, null node and labels', () => {
    const pod = { namespace: 'a', name: 'p', cpu_request_cores: 0, memory_request_bytes: 0, cpu_usage_cores: null, node: null };
    expect(validateSnapshot({ ...valid, pods: [pod], namespaces: [{ name: 'a', labels: null }] }).ok).toBe(true);
  });
});

describe('timestampMicros', () => {
  it('reads ISO 8601 with a zone as UTC microseconds', () => {
    expect(timestampMicros('2026-10-01T00:00:00Z')).toBe(1790812800000000n);
    expect(timestampMicros('2026-10-01T02:00:00+02:00')).toBe(1790812800000000n);
    expect(timestampMicros('2026-09-30T19:30:00-0430')).toBe(1790812800000000n);
    expect(timestampMicros('2026-10-01T00:00:00.123456789Z')).toBe(1790812800123456n);
    expect(timestampMicros('2026-10-01 00:00:00.5z')).toBe(1790812800500000n);
  });

  it.each(['2026-10-01T00:00:00', '2026-10-01', '2026-13-01T00:00:00Z', '2026-02-29T00:00:00Z', '2026-10-01T24:00:00Z', '2026-10-01T00:00:00+25:00', 'yesterday'])(
    'refuses %s',
    (s) => expect(timestampMicros(s)).toBeUndefined(),
  );

  it('formats back', () => {
    expect(formatMicros(1790812800000000n)).toBe('2026-10-01T00:00:00Z');
    expect(formatMicros(1790812800120000n)).toBe('2026-10-01T00:00:00.12Z');
  });
});

describe('coresToMicros', () => {
  it('recovers every value written with at most 6 decimals exactly', () => {
    expect(coresToMicros(0.21)).toBe(210000);
    expect(coresToMicros(0.000001)).toBe(1);
    expect(coresToMicros(1.333333)).toBe(1333333);
    expect(coresToMicros(999999999.999999)).toBe(999999999999999);
    // Pseudo-random micro-core counts below 1e15, written as JSON decimal text and parsed.
    let x = 123456789;
    for (let i = 0; i < 200_000; i++) {
      x = (x * 1103515245 + 12345) % 2147483648;
      const micros = (x * 465661) % 10 ** (1 + (i % 15));
      const text = `${Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, '0')}`;
      const parsed = JSON.parse(text) as number;
      if (coresToMicros(parsed) !== micros) throw new Error(`${text} -> ${coresToMicros(parsed)}`);
    }
  });

  it('rounds more decimals to 6', () => {
    expect(coresToMicros(0.12345678)).toBe(123457);
    expect(coresToMicros(0.12345612)).toBe(123456);
  });
});
