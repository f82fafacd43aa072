// Configuration that helps: wrong types name what was expected and what was
// found; `${VAR}` works for numbers and booleans; a YAML alias bomb is one
// line with its place; numbers are bounded so that a valid configuration
// always attributes; secrets never reach the store.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { attribute } from '../../src/allocate/run.ts';
import { parseConfig } from '../../src/config/load.ts';
import { REDACTED, redactConfig } from '../../src/config/redact.ts';
import { ConfigError } from '../../src/util/errors.ts';
import { addItems, addSnapshot, tempStore } from '../allocate/fixture.ts';

const TEAMS = `teams:
  - { id: alpha, name: Alpha, cost_center: CC-A, gl_account: "6100" }
  - { id: bravo, name: Bravo, cost_center: CC-B, gl_account: "6200" }
`;
const SMTP = (port: string, more = '') => `${TEAMS}smtp:
  host: mx.example.com
  port: ${port}
  from: "Allot <allot@example.com>"${more}
`;

function failure(yaml: string, env: NodeJS.ProcessEnv = {}): string {
  try {
    parseConfig(yaml, 'allot.yaml', env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('the configuration loaded');
}

describe('a wrong type', () => {
  it.each([
    ['a quoted number', SMTP('"587x"'), 'allot.yaml:6: smtp.port: expected a number, found the text "587x"'],
    ['text for a list', TEAMS.replace('gl_account: "6200" }', 'gl_account: "6200", emails: bravo@example.com }'), 'allot.yaml:3: teams[1].emails: expected an array, found the text "bravo@example.com"'],
    ['a list for a boolean', SMTP('587', '\n  secure: [yes]'), 'allot.yaml:8: smtp.secure: expected a boolean, found a list'],
    ['a mapping for text', TEAMS.replace('name: Alpha', 'name: { first: Al }'), 'allot.yaml:2: teams[0].name: expected a string, found a mapping (key: value)'],
    ['a secret never shown', SMTP('587', '\n  user: allot\n  password: 123456'), 'allot.yaml:9: smtp.password: expected a string, found a number'],
  ])('%s names what was expected and what was found', (_name, yaml, message) => {
    expect(failure(yaml)).toBe(message);
  });

  it('a key that is really missing still says so', () => {
    expect(failure(TEAMS.replace('name: Alpha, ', ''))).toBe('allot.yaml:2: teams[0].name: required key is missing (expected string)');
  });
});

describe('${VAR} in numeric and boolean keys', () => {
  it('port: ${SMTP_PORT} loads as a number, secure: ${SMTP_SECURE} as a boolean', () => {
    const c = parseConfig(SMTP('${SMTP_PORT}', '\n  secure: ${SMTP_SECURE}'), 'allot.yaml', { SMTP_PORT: '2525', SMTP_SECURE: 'true' }).config;
    expect(c.smtp).toMatchObject({ port: 2525, secure: true });
    const weights = parseConfig(`${TEAMS}shared_pools: [{ id: ops, name: Ops, strategy: fixed, weights: { alpha: "\${W}", bravo: 1 } }]\n`, 'allot.yaml', { W: ' 2.5 ' }).config;
    expect(weights.shared_pools[0]!.weights).toEqual({ alpha: 2.5, bravo: 1 });
  });

  it('text that does not convert is an error naming the variable and the value', () => {
    expect(failure(SMTP('${SMTP_PORT}'), { SMTP_PORT: '25x' })).toBe('allot.yaml:6: smtp.port: ${SMTP_PORT} is "25x", which is not a number');
    expect(failure(SMTP('587', '\n  secure: ${TLS}'), { TLS: 'maybe' })).toBe('allot.yaml:8: smtp.secure: ${TLS} is "maybe", which is not a boolean');
    // A converted value is still validated like any other.
    expect(failure(SMTP('${SMTP_PORT}'), { SMTP_PORT: '70000' })).toBe('allot.yaml:6: smtp.port: Too big: expected number to be <=65535');
    // A string key keeps the text as it is.
    expect(parseConfig(TEAMS.replace('CC-A', '"${CC}"'), 'allot.yaml', { CC: '6100' }).config.teams[0]!.cost_center).toBe('6100');
  });
});

describe('YAML aliases', () => {
  it('a "billion laughs" document is refused in one line with the file and line, fast', () => {
    const bomb = `a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
teams: *e
`;
    expect(failure(bomb)).toBe('allot.yaml:2: too many YAML aliases (*name): more than 100 expansions; write the values out');
  });
});

describe('numbers are bounded so that a valid configuration attributes', () => {
  it.each([
    ['a weight of 1e308', 'weights: { alpha: 1e308, bravo: 1 }', 'allot.yaml:8: shared_pools[0].weights.alpha: must be at most 1,000,000,000,000'],
    ['a weight below a millionth', 'weights: { alpha: 1e-9, bravo: 1 }', 'allot.yaml:8: shared_pools[0].weights.alpha: must be 0 or at least 0.000001'],
    ['a negative weight', 'weights: { alpha: -1, bravo: 1 }', 'allot.yaml:8: shared_pools[0].weights.alpha: Too small: expected number to be >=0'],
  ])('%s is refused', (_name, weights, message) => {
    expect(failure(`${TEAMS}shared_pools:\n  - id: ops\n    name: Ops\n    strategy: fixed\n    ${weights}\n`)).toBe(message);
  });

  it('a price of 0 or a utilisation of 0 is refused', () => {
    expect(failure(`${TEAMS}clusters: [{ id: k, prices: { cpu_core_hour: 0, memory_gib_hour: 1 } }]\n`)).toBe(
      'allot.yaml:4: clusters[0].prices.cpu_core_hour: must be at least 0.000001',
    );
    expect(failure(`${TEAMS}value_model:\n  self_managed_utilisation: { low: 0, base: 0.2, high: 0.3, source: me }\n`)).toMatch(
      /^allot\.yaml:5: value_model\.self_managed_utilisation: utilisation is a fraction: needs 0\.01 <= low and high <= 1$/,
    );
  });

  it('the extremes that are allowed attribute, to the cent', async () => {
    const cfg = parseConfig(
      `${TEAMS}shared_pools:
  - { id: ops, name: Ops, strategy: fixed, weights: { alpha: 1000000000000, bravo: 0.000001 } }
clusters:
  - { id: k, match: { tags: { cluster: k } }, prices: { cpu_core_hour: 1000000, memory_gib_hour: 0.000001 } }
rules:
  - { match: { service_name: Ops }, shared: ops }
`,
      'allot.yaml',
      {},
    );
    const store = await tempStore();
    try {
      await addItems(store, '2026-10', [
        { cost: '1000.00', service: 'Ops' },
        { cost: '99.99', service: 'Compute', tags: { cluster: 'k' } },
        { cost: '5.00', service: 'Other', tags: { team: 'bravo' } },
      ]);
      await addSnapshot(store, { cluster: 'k', ts: '2026-10-01 00:00:00', nodes: [{ cpu: 4, memGiB: 16 }], pods: [{ ns: 'alpha', cpuReq: 1, memReqGiB: 1 }] });
      const r = await attribute(store, cfg, '2026-10');
      expect(r.totals).toEqual([expect.objectContaining({ currency: 'USD', bill_rounded: expect.stringMatching(/^1104\.990*$/), allocated_rounded: expect.stringMatching(/^1104\.990*$/), ok: true })]);
    } finally {
      store.close();
    }
  });
});

describe('secrets', () => {
  it('the stored snapshot and the hash carry no password; an attributed store file holds no copy of it', async () => {
    const password = 'Tr0ub4dor&3-not-in-the-store';
    const cfg = parseConfig(SMTP('587', '\n  user: allot\n  password: ${SMTP_PASSWORD}'), 'allot.yaml', { SMTP_PASSWORD: password });
    expect(cfg.config.smtp?.password).toBe(password); // the sender needs it
    expect(redactConfig(cfg.config).smtp?.password).toBe(REDACTED);
    expect(cfg.sha256).toBe(parseConfig(SMTP('587', '\n  user: allot\n  password: other'), 'allot.yaml', {}).sha256); // the hash does not depend on it
    const store = await tempStore();
    try {
      await addItems(store, '2026-10', [{ cost: '10.00', tags: { team: 'alpha' } }]);
      const r = await attribute(store, cfg, '2026-10');
      const snap = await store.one<{ s: string }>('SELECT config_snapshot::VARCHAR AS s FROM allocation_runs WHERE run_id = $1', [r.runId]);
      expect(JSON.parse(snap!.s).smtp).toMatchObject({ user: 'allot', password: REDACTED });
      await store.run('CHECKPOINT');
    } finally {
      store.close();
    }
    expect(readFileSync(store.path).includes(password)).toBe(false);
  });
});
