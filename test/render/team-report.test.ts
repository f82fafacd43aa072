import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closePeriod } from '../../src/close/close.ts';
import { attribute } from '../../src/allocate/run.ts';
import { chargebackRows } from '../../src/model/chargeback.ts';
import { renderChargebackCsv } from '../../src/render/chargeback-csv.ts';
import { renderCharts } from '../../src/render/team/charts.ts';
import { writeShowback } from '../../src/deliver/files.ts';
import { formatMoney, roundDecimal } from '../../src/render/team/format.ts';
import { buildTeamReport, buildTeamReports, type TeamReport } from '../../src/model/team/index.ts';
import { renderTeamReport } from '../../src/render/team/render.ts';
import { buildValueReport } from '../../src/model/value/index.ts';
import { addItems } from '../allocate/fixture.ts';
import { buildOrg, HOSTILE_NAME, HOSTILE_SERVICE, PERIOD, PREVIOUS, SCRIPT_SERVICE, type Org } from './team.fixture.ts';
import { addMonths } from '../../src/util/period.ts';

// The worked numbers (shared/design/allocation.md; prod-eu, October): one node,
// 4 cores and 16 GiB for 720 h; prices 4 and 1 → w = 1/2, C_cpu = C_mem = 500
// of the 1000.00 pool. Charged (max of request, usage): payments-api 1 core / 4 GiB,
// payments-batch 0.5 / 2, zebra-web 1.2 / 3, kube-system 0.5 / 2, payments-legacy
// 0.25 / 1 → ΣU_cpu = 3.45 of 4, ΣU_mem = 12 of 16.

let org: Org;
let payments: TeamReport;
beforeAll(async () => {
  org = await buildOrg();
  payments = await buildTeamReport(org.store, org.loaded.config, PERIOD, 'payments', { platformValue: null });
});
afterAll(() => org.store.close());

describe('team report model', () => {
  it('total and the change against last month', () => {
    // direct 1200 + 300 + 12.34 + 5.67 + 45 = 1563.01; kubernetes 250 + 125; idle 61.59 + 30.80; shared 70.56
    expect(payments.total).toBe('2100.96');
    expect(payments.currency).toBe('USD');
    expect(payments.change).toEqual({ previous: '1839.24', amount: '261.72', percent: '14.2', is_new: false });
    expect(payments.run_id).toBe(org.runs.current);
    expect(payments.previous_run_id).toBe(org.runs.previous);
  });

  it('split by charge type and by service equals the chargeback rows', async () => {
    expect(payments.by_charge_type).toEqual([
      { charge_type: 'direct', amount: '1563.01', previous: '1307.34' },
      { charge_type: 'kubernetes', amount: '375.00', previous: '375.00' },
      { charge_type: 'idle', amount: '92.39', previous: '92.39' },
      { charge_type: 'shared', amount: '70.56', previous: '64.51' },
    ]);
    const csv = (await chargebackRows(org.store, org.runs.current)).filter((r) => r.team_id === 'payments');
    expect(payments.lines.map((l) => `${l.charge_type}/${l.service}/${l.amount}`).sort()).toEqual(csv.map((r) => `${r.charge_type}/${r.service}/${r.amount}`).sort());
  });

  it('namespaces: cost, idle, efficiency and the saving if requests matched usage', () => {
    expect(payments.namespaces).toEqual([
      {
        cluster: 'prod-eu', namespace: 'payments-api', cost: '250.00',
        // idle: 68.75 × 1/3.45 + 125 × 4/12 = 19.93 + 41.67
        idle: '61.59', total: '311.59', has_usage_data: true,
        cpu_request_core_hours: '720.000000', cpu_usage_core_hours: '180.000000',
        mem_request_gib_hours: '2880.000000', mem_usage_gib_hours: '1440.000000',
        cpu_efficiency: '25.0', mem_efficiency: '50.0',
        // 500 × (720 − 180)/2880 + 500 × (2880 − 1440)/11520 = 93.75 + 62.50
        saving: '156.25',
      },
      {
        cluster: 'prod-eu', namespace: 'payments-batch', cost: '125.00', idle: '30.80', total: '155.80', has_usage_data: true,
        cpu_request_core_hours: '360.000000', cpu_usage_core_hours: '360.000000',
        mem_request_gib_hours: '1440.000000', mem_usage_gib_hours: '720.000000',
        cpu_efficiency: '100.0', mem_efficiency: '50.0',
        saving: '31.25', // 0 + 500 × (1440 − 720)/11520
      },
    ]);
    expect(payments.saving_total).toBe('187.50');
  });

  it('hygiene: unknown tags in own accounts, look-alike unowned namespaces, account-only spend', () => {
    const h = payments.hygiene;
    // team=zebra-old (33.33, also in payments' account) names another team: not payments' to see
    expect(h.unknown_tags.items).toEqual([{ account: '111111111111', tag: 'team=paymnts', amount: '88.00', line_items: '1' }]);
    // payments-legacy: 500 × 0.25/4 + 500 × 1/16 + idle 68.75 × 0.25/3.45 + 125 × 1/12 = 77.90
    expect(h.unowned_namespaces.items).toEqual([
      { cluster: 'prod-eu', namespace: 'payments-legacy', amount: '77.90', reason: 'namespace payments-legacy in prod-eu has no owner' },
    ]);
    expect(h.unowned_namespaces.command).toBe('kubectl label namespace <name> team=payments --overwrite');
    expect(h.account_only.items).toEqual([{ account: '111111111111', service: 'AWS Lambda', amount: '45.00', line_items: '1' }]);
    expect(h.unknown_tags.fix).toContain('team=payments');
    expect(h.clean).toBe(false);
  });

  it('why this number: the lineage bases, with shares, summing to the total', () => {
    expect(payments.why).toEqual([
      { label: 'tag team=payments', amount: '1505.67', percent: '72' },
      { label: 'Kubernetes namespaces payments-api, payments-batch in prod-eu', amount: '467.39', percent: '22' },
      { label: 'shared Platform overhead (proportional)', amount: '70.56', percent: '3' },
      { label: 'account 111111111111 (no team tag)', amount: '45.00', percent: '2' },
      { label: 'tag team=pay', amount: '12.34', percent: '1' },
    ]);
    expect(payments.why.reduce((s, w) => s + Math.round(Number(w.amount) * 100), 0)).toBe(210096);
  });

  it('movers, chargeback line, trend and daily spreading', () => {
    expect(payments.movers.slice(0, 2)).toEqual([
      { kind: 'service', name: 'Amazon S3', current: '300.00', previous: '150.00', change: '150.00', percent: '100.0' },
      { kind: 'service', name: 'Amazon RDS', current: '1200.00', previous: '1100.00', change: '100.00', percent: '9.1' },
    ]);
    expect(payments.chargeback).toEqual({ cost_center: 'CC-1001', gl_account: '6100' });
    expect(payments.trend.map((t) => t.amount)).toEqual([null, null, null, null, '1839.24', '2100.96']);
    const day = (d: string, t: string) => payments.daily.find((x) => x.day === `${PERIOD}-${d}` && x.charge_type === t)?.amount;
    expect(payments.daily.length).toBe(31 * 4);
    expect(day('03', 'direct')).toBe('1200.00');
    // the pool's bill is 600 on the 1st and 400 on the 15th: kubernetes 375 → 225 + 150
    expect(day('01', 'kubernetes')).toBe('225.00');
    expect(day('15', 'kubernetes')).toBe('150.00');
    expect(day('02', 'kubernetes')).toBe('0.00');
    const sum = payments.daily.reduce((s, d) => s + Math.round(Number(d.amount) * 100), 0);
    expect(Math.abs(sum - 210096)).toBeLessThanOrEqual(31 * 4);
  });

  it('a team without last month is "new"; a showback team has no chargeback line', async () => {
    const z = await buildTeamReport(org.store, org.loaded.config, PREVIOUS, 'zebra', { platformValue: null });
    expect(z.change).toEqual({ previous: null, amount: null, percent: null, is_new: true });
    expect(z.chargeback).toBeNull();
    expect(z.movers).toEqual([]);
  });

  it('a closed period reports its closed run, not a later one', async () => {
    const o = await buildOrg();
    try {
      await closePeriod(o.store, PREVIOUS);
      // Late data for September: booked as an adjustment in an October re-run.
      await addItems(o.store, PREVIOUS, [{ cost: '10.00', service: 'Amazon S3', tags: { team: 'payments' }, day: 28 }], 3);
      const rerun = await attribute(o.store, o.loaded, PERIOD);
      const sep = await buildTeamReport(o.store, o.loaded.config, PREVIOUS, 'payments', { platformValue: null });
      expect(sep.run_id).toBe(o.runs.previous);
      expect(sep.closed).toBe(true);
      expect(sep.total).toBe('1839.24');
      const oct = await buildTeamReport(o.store, o.loaded.config, PERIOD, 'payments', { platformValue: null });
      expect(oct.run_id).toBe(rerun.runId);
      expect(oct.by_charge_type.find((t) => t.charge_type === 'adjustment')?.amount).toBe('10.27');
      // six bases now: the two smallest (tag team=pay 12.34, adjustments 10.27) are summed
      expect(oct.why.at(-1)).toEqual({ label: '2 other bases', amount: '22.61', percent: '1' });
      expect(oct.total).toBe('2111.23');
    } finally {
      o.store.close();
    }
  });

  it('a batch gives each team the report it gets alone; an unknown team fails at its turn', async () => {
    const ids = org.loaded.config.teams.map((t) => t.id);
    const got: TeamReport[] = [];
    const all = async () => {
      for await (const r of buildTeamReports(org.store, org.loaded.config, PERIOD, [...ids, 'nobody'])) got.push(r);
    };
    await expect(all()).rejects.toThrow('unknown team "nobody"');
    expect(got.map((r) => r.team.id)).toEqual(ids);
    for (const r of got) expect(JSON.stringify(r)).toBe(JSON.stringify(await buildTeamReport(org.store, org.loaded.config, PERIOD, r.team.id)));
  });

  it('the platform value line comes from the value model, per capability the team used', async () => {
    const r = await buildTeamReport(org.store, org.loaded.config, PERIOD, 'payments');
    const model = await buildValueReport(org.store, org.loaded.config, PERIOD);
    const used = model.capabilities.flatMap((c) => c.teams.filter((t) => t.team_id === 'payments' && t.uses).map((t) => ({ c, t })));
    expect(used.length).toBeGreaterThan(0);
    expect(r.platform_value).toMatchObject({
      currency: model.currency, period: PERIOD, capabilities_total: model.capabilities.length,
      used: used.map(({ c, t }) => ({ name: c.name, platform_cost: t.platform_cost, self_managed: t.self_managed, value: t.value, note: t.note })),
    });
  });
});

describe('team report rendering', () => {
  it('HTML for email: tables, inline styles, cid images, no scripts, SVG, remote images or <style>', async () => {
    const r = await renderTeamReport(payments);
    expect(r.subject).toBe('[Allot] Payments — cloud cost for October 2026: $2,100.96 (+14.2%)');
    expect(Buffer.byteLength(r.html)).toBeLessThan(100_000);
    expect(r.html).not.toMatch(/<script|<svg|<style|https?:\/\/(?!evil)/i);
    const srcs = [...r.html.matchAll(/<img src="([^"]+)"/g)].map((m) => m[1]);
    expect(srcs).toEqual(['cid:daily.2026-10.payments@allot.local', 'cid:types.2026-10.payments@allot.local', 'cid:trend.2026-10.payments@allot.local']);
    expect(r.html).toContain('width="600"');
    expect(r.html).toContain('This amount will be charged to cost center CC-1001, GL account 6100.');
    expect(r.charts.map((c) => c.name)).toEqual(['daily', 'types', 'trend']);
    for (const c of r.charts) {
      expect(c.png.subarray(1, 4).toString()).toBe('PNG');
      expect(c.png.length).toBeLessThan(40_000);
      expect(c.width).toBe(560);
    }
  });

  it('hostile labels are escaped in HTML and formula-safe in tables', async () => {
    const r = await renderTeamReport(payments);
    expect(r.html).not.toContain(SCRIPT_SERVICE);
    expect(r.html).toContain('&lt;script&gt;alert(&quot;svc&quot;)&lt;/script&gt;');
    expect(r.html).not.toContain('=HYPERLINK(');
    expect(r.html).toContain('&#x27;&#x3D;HYPERLINK(&quot;http://evil.example/s&quot;,&quot;click&quot;)');
    expect(r.text).toContain(`'${HOSTILE_SERVICE}`);
    expect(r.text).not.toMatch(/^=HYPERLINK/m);

    const hostile = await renderTeamReport(await buildTeamReport(org.store, org.loaded.config, PERIOD, 'hostile', { platformValue: null }));
    expect(hostile.html).not.toContain('<script>alert(1)');
    expect(hostile.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &#x3D;HYPERLINK(&quot;http://evil.example&quot;,&quot;x&quot;)');
    expect(hostile.subject).toContain(HOSTILE_NAME);
  });

  it('both parts show the amounts of the chargeback CSV rows of the team', async () => {
    const r = await renderTeamReport(payments);
    // The CSV as finance gets it (formula-safe cells), parsed back.
    const csv = (parse(renderChargebackCsv(await chargebackRows(org.store, org.runs.current)), { columns: true }) as Record<string, string>[])
      .filter((x) => x.team_id === 'payments');
    expect(csv).toHaveLength(8);
    for (const row of csv as { service: string; charge_type: string; amount: string }[]) {
      const line = r.text.split('\n').find((l) => l.startsWith(`${row.service} `) && l.includes(` ${row.charge_type} `));
      expect(line, `${row.service}/${row.charge_type}`).toBeDefined();
      expect(line).toContain(formatMoney(row.amount, 'USD', 2));
      expect(r.html).toContain(formatMoney(row.amount, 'USD', 2));
    }
    expect(r.text).toContain('Total: $2,100.96');
    expect(r.text).toContain('+$261.72 (+14.2%) vs September 2026');
    expect(r.text).toContain('Estimated saving if requests matched usage: $187.50');
  });

  it("a team's report names no other team and shows none of their amounts", async () => {
    const rows = await chargebackRows(org.store, org.runs.current);
    expect(renderChargebackCsv(rows)).toContain('zebra');
    for (const team of ['payments', 'zebra', 'hostile', 'quokka']) {
      const r = await renderTeamReport(await buildTeamReport(org.store, org.loaded.config, PERIOD, team, { platformValue: null }));
      const mine = new Set(rows.filter((x) => x.team_id === team).map((x) => formatMoney(x.amount, 'USD', 2)));
      for (const other of org.loaded.config.teams.filter((t) => t.id !== team)) {
        for (const s of [other.id, other.name, ...other.emails]) {
          expect(r.html.toLowerCase(), `${team} mentions ${s}`).not.toContain(s.toLowerCase());
          expect(r.text.toLowerCase()).not.toContain(s.toLowerCase());
        }
        const theirs = rows.filter((x) => x.team_id === other.id).map((x) => formatMoney(x.amount, 'USD', 2)).filter((a) => !mine.has(a));
        for (const a of theirs) {
          expect(r.html, `${team} shows ${other.id}'s ${a}`).not.toContain(`>${a}<`);
          expect(r.text).not.toMatch(new RegExp(`(^|\\s)${a.replace(/[$.]/g, '\\$&')}(\\s|$)`, 'm'));
        }
      }
    }
  });

  it('charts are deterministic', async () => {
    const a = await renderCharts(payments);
    const b = await renderCharts(payments);
    expect(a.map((c) => c.png.equals(b[a.indexOf(c)]!.png))).toEqual([true, true, true]);
  });
});

describe('formatting', () => {
  it('money from decimal strings, never floats', () => {
    expect(formatMoney('1234567.005', 'USD', 2)).toBe('$1,234,567.01');
    expect(formatMoney('-12.3', 'EUR', 2)).toBe('-€12.30');
    expect(formatMoney('1000', 'SEK', 2)).toBe('1,000.00 SEK');
    expect(formatMoney('0.1', 'JPY', 0)).toBe('¥0');
    expect(formatMoney('90071992547409.99', 'USD', 2)).toBe('$90,071,992,547,409.99');
    expect(roundDecimal('-0.004', 2)).toBe('0.00');
    expect(addMonths('2026-01', -1)).toBe('2025-12');
    expect(addMonths('2026-12', 1)).toBe('2027-01');
    expect(addMonths('2026-10', -14)).toBe('2025-08');
  });
});

describe('showback files', () => {
  it('writes <team>.html with file images, <team>.txt and the PNGs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'allot-showback-'));
    const files = await writeShowback(org.store, org.loaded.config, PERIOD, dir, { team: 'payments' });
    expect(files.map((f) => f.team_id)).toEqual(['payments']);
    expect(readdirSync(dir).sort()).toEqual(['payments-daily.png', 'payments-trend.png', 'payments-types.png', 'payments.html', 'payments.txt']);
    const html = readFileSync(join(dir, 'payments.html'), 'utf8');
    expect([...html.matchAll(/<img src="([^"]+)"/g)].map((m) => m[1])).toEqual(['payments-daily.png', 'payments-types.png', 'payments-trend.png']);
    expect(html).not.toContain('cid:');
    for (const f of files[0]!.images) expect(statSync(f).size).toBeLessThan(40_000);
    expect(roundDecimal(files[0]!.total, 2)).toBe('2100.96');
  });
});
