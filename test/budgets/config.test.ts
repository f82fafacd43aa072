import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.ts';
import { redactConfig } from '../../src/config/redact.ts';
import { ConfigError } from '../../src/util/errors.ts';

const team = (extra: string) => `teams:\n  - { id: alpha, name: Alpha, cost_center: CC-A, gl_account: "1"${extra} }\n`;

describe('budget, webhooks and alerts keys', () => {
  it('reads budgets as decimal text, per charge type too, and defaults the alerts section where it is given', () => {
    const c = parseConfig(team(', budget: { amount: 1200.5, charge_types: { direct: 1000, kubernetes: "200.50" } }') + 'alerts: { thresholds: [50, 90] }\n', 'a.yaml', {}).config;
    expect(c.teams[0]!.budget).toEqual({ amount: '1200.5', charge_types: { direct: '1000', kubernetes: '200.50' } });
    expect(c.alerts).toEqual({ thresholds: [50, 90], incomplete_days: 2, anomaly: { min_amount: '50', mads: 4, history_days: 14 } });
    expect(parseConfig(team(', budget: 300'), 'a.yaml', {}).config.teams[0]!.budget).toBe('300');
  });

  it('refuses a budget that is no amount, and an unknown charge type, at its line', () => {
    expect(() => parseConfig(team(', budget: "12,000"'), 'a.yaml', {})).toThrow(ConfigError);
    expect(() => parseConfig(team(', budget: { charge_types: { travel: 10 } }'), 'a.yaml', {})).toThrow(/a\.yaml:2: teams\[0\]\.budget/);
  });

  it('a webhook URL is a secret: the stored snapshot keeps only its origin', () => {
    const c = parseConfig(team(', webhooks: [{ url: "https://hooks.slack.com/services/T0/B0/s3cr3t" }]'), 'a.yaml', {}).config;
    expect(c.teams[0]!.webhooks).toEqual([{ url: 'https://hooks.slack.com/services/T0/B0/s3cr3t', format: 'slack' }]);
    expect(JSON.stringify(redactConfig(c))).not.toContain('s3cr3t');
    expect(redactConfig(c).teams[0]!.webhooks).toEqual([{ url: 'https://hooks.slack.com/[redacted]', format: 'slack' }]);
  });

  it('a config without the new keys resolves as before (no defaults added)', () => {
    const c = parseConfig(team(''), 'a.yaml', {}).config;
    expect('budget' in c.teams[0]! || 'webhooks' in c.teams[0]! || 'alerts' in c).toBe(false);
  });
});
