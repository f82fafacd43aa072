import { describe, expect, it } from 'vitest';
import type { ForecastAlert } from '../../src/model/alerts/types.ts';
import { renderAlert, slackPayload, teamsPayload } from '../../src/render/alerts/render.ts';

const alert: ForecastAlert = {
  kind: 'forecast', key: 'forecast:80', period: '2026-11', run_id: 3, as_of: '2026-11-15', team: { id: 'alpha', name: 'Alpha <&> "Ops"\u001b[31m' },
  currency: 'EUR', decimals: 2, behind: [{ kind: 'namespace', label: 'namespace web in prod', amount: '12.00', line_items: null }],
  explain: 'allot explain --period 2026-11 --team alpha', threshold: 80, budget: '1000.00', budget_source: 'config teams[alpha].budget',
  threshold_amount: '800.00', forecast: '810.50', low: '790.00', high: '830.00', percent: '81.1', mtd: '400.00', since: '2026-11-12',
};

describe('an alert in words', () => {
  it('escapes names in HTML and Slack, drops control characters, and says how far over the threshold', () => {
    const r = renderAlert(alert);
    expect(r.subject).toBe('[Allot] Alpha <&> "Ops" [31m: November 2026 forecast €810.50 is 81.1% of budget (80% threshold)');
    expect(r.text).toContain('  €10.50 over the 80% threshold of €800.00.');
    expect(r.text).toContain('  €12.00  namespace web in prod');
    expect(r.html).toContain('Alpha &lt;&amp;&gt; &quot;Ops&quot;');
    expect(r.html).not.toContain('<&>');
    expect(JSON.stringify(slackPayload(alert))).toContain('Alpha &lt;&amp;&gt;');
    expect(teamsPayload(alert)).toMatchObject({ '@type': 'MessageCard', title: r.subject });
  });

  it('a zero budget has no percentage: the alert says the cost is over it', () => {
    const r = renderAlert({ ...alert, budget: '0.00', threshold_amount: '0.00', percent: '' });
    expect(r.subject).toBe('[Allot] Alpha <&> "Ops" [31m: November 2026 forecast €810.50 is over budget (80% threshold)');
    expect(r.text).toContain('(likely between €790.00 and €830.00), over the €0.00 budget (config teams[alpha].budget).');
  });
});
