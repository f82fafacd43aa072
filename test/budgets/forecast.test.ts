import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildForecasts } from '../../src/model/forecast/build.ts';
import { projectSeries } from '../../src/model/forecast/project.ts';
import type { Store } from '../../src/store/db.ts';
import { addCharges, attributeAt, config, everyDay, tempStore } from './fixture.ts';

// Hand-built months with answers worked out by hand. October 2026 has 31
// days and starts on a Thursday (weekends: 3-4, 10-11, 17-18, 24-25, 31).

const P = '2026-10';
const cfg = (extra = '') =>
  config(`
teams:
  - { id: alpha, name: Alpha, cost_center: CC-A, gl_account: "6100", accounts: ["111"], budget: 3000 }
  - { id: bravo, name: Bravo, cost_center: CC-B, gl_account: "6200", accounts: ["222"] }
${extra}
`);
const noLag = 'alerts: { incomplete_days: 0 }';

let store: Store;
beforeEach(async () => {
  store = await tempStore();
});
afterEach(() => store.close());

async function forecastOf(team: string, asOf: string, extra = noLag) {
  const loaded = cfg(extra);
  await attributeAt(store, loaded, P);
  const [s] = await buildForecasts(store, loaded.config, P, { team, asOf });
  return s!.forecast;
}

describe('forecast to month end', () => {
  it('flat usage: the rest of the month at the same daily cost; the band is the same line', async () => {
    await addCharges(store, P, everyDay('111', 1, 22, '100.00'));
    const f = await forecastOf('alpha', '2026-10-23');
    // billed 22 days × 100 = 2,200; 9 days to come (23–31) × 100 = 900
    expect([f.mtd, f.forecast, f.low, f.high]).toEqual(['2200.00', '3100.00', '3100.00', '3100.00']);
    expect(f.days_left).toBe(9);
    expect(f.by_charge_type).toEqual([
      { charge_type: 'direct', mtd: '2200.00', one_off: '0.00', forecast: '3100.00', low: '3100.00', high: '3100.00', budget: null, method: 'weekday pattern of 22 complete days' },
    ]);
    expect(f.budget).toEqual({ amount: '3000.00', source: 'config teams[alpha].budget' });
    expect([f.forecast_percent, f.mtd_percent, f.forecast_variance]).toEqual(['103.3', '73.3', '100.00']);
  });

  it('weekday pattern: weekends cost what weekends cost', async () => {
    const weekend = new Set([3, 4, 10, 11, 17, 18, 24, 25, 31]);
    await addCharges(store, P, everyDay('111', 1, 21, (d) => (weekend.has(d) ? '20.00' : '100.00')));
    const f = await forecastOf('alpha', '2026-10-22');
    // to date: 6 weekend days × 20 + 15 weekdays × 100 = 1,620
    // to come (22–31): 7 weekdays × 100 + 3 weekend days (24, 25, 31) × 20 = 760
    expect([f.mtd, f.forecast, f.low, f.high]).toEqual(['1620.00', '2380.00', '2380.00', '2380.00']);
  });

  it('too little history for a weekday pattern: the mean of the last 7 complete days, the band their lowest and highest', async () => {
    await addCharges(store, P, everyDay('111', 1, 9, (d) => (d % 2 ? '90.00' : '110.00')));
    const f = await forecastOf('alpha', '2026-10-10');
    // last 7 days (3–9): 90,110,90,110,90,110,90 → mean 98.571428…; 22 days to come
    // to date 5×90 + 4×110 = 890; forecast 890 + 22 × 98.571428571429 = 3058.57; low 890 + 22×90; high 890 + 22×110
    expect([f.mtd, f.forecast, f.low, f.high]).toEqual(['890.00', '3058.57', '2870.00', '3310.00']);
    expect(f.by_charge_type[0]!.method).toBe('mean of the last 7 complete days');
  });

  it('a one-off fee on day 1 is carried once, not read as a run rate', async () => {
    await addCharges(store, P, [
      ...everyDay('111', 1, 5, '50.00'),
      { account: '111', day: 1, cost: '300.00', category: 'Purchase', frequency: 'Recurring', monthly: true, service: 'AWS Support' },
    ]);
    const f = await forecastOf('alpha', '2026-10-06');
    // to date 5 × 50 + 300 = 550; to come 26 × 50 = 1,300 (not (250 + 300) / 5 × 26)
    expect([f.mtd, f.forecast, f.low, f.high]).toEqual(['550.00', '1850.00', '1850.00', '1850.00']);
    expect(f.by_charge_type[0]!.one_off).toBe('300.00');
  });

  it('a credit is carried as it is', async () => {
    await addCharges(store, P, [
      ...everyDay('111', 1, 5, '40.00'),
      { account: '111', day: 1, cost: '-200.00', category: 'Credit', monthly: true },
    ]);
    const f = await forecastOf('alpha', '2026-10-06');
    // to date 200 − 200 = 0; to come 26 × 40 = 1,040
    expect([f.mtd, f.forecast]).toEqual(['0.00', '1040.00']);
    expect(f.by_charge_type[0]!.one_off).toBe('-200.00');
  });

  it('a month with its last days missing: they are projected and marked, never read as zero', async () => {
    await addCharges(store, P, everyDay('111', 1, 18, '100.00'));
    const f = await forecastOf('alpha', '2026-10-23', 'alerts: { incomplete_days: 2 }');
    // billed through the 22nd, data through the 18th: 19–22 missing, projected at 100; 23–31 to come
    expect([f.mtd, f.forecast, f.low, f.high]).toEqual(['1800.00', '3100.00', '3100.00', '3100.00']);
    expect(f.incomplete_days).toEqual([
      { day: '2026-10-19', why: 'missing' },
      { day: '2026-10-20', why: 'missing' },
      { day: '2026-10-21', why: 'missing' },
      { day: '2026-10-22', why: 'missing' },
    ]);
  });

  it('recent and Estimated days count what is billed so far, projected up to the expected day', async () => {
    await addCharges(store, P, [
      ...everyDay('111', 1, 19, '100.00'),
      { account: '111', day: 20, cost: '30.00', estimated: true },
      { account: '111', day: 21, cost: '140.00' },
      { account: '111', day: 22, cost: '10.00' },
    ]);
    const f = await forecastOf('alpha', '2026-10-23', 'alerts: { incomplete_days: 2 }');
    // complete 1–19 at 100. Day 20 (Estimated) 30 → 100; day 21 (recent) 140 stays 140; day 22 (recent) 10 → 100.
    // to date 1,900 + 30 + 140 + 10 = 2,080; forecast 1,900 + 100 + 140 + 100 + 9 × 100 = 3,140
    expect([f.mtd, f.forecast]).toEqual(['2080.00', '3140.00']);
    expect(f.incomplete_days).toEqual([
      { day: '2026-10-20', why: 'estimated' },
      { day: '2026-10-21', why: 'recent' },
      { day: '2026-10-22', why: 'recent' },
    ]);
  });

  it('a team sees only its own cost', async () => {
    await addCharges(store, P, [...everyDay('111', 1, 10, '10.00'), ...everyDay('222', 1, 10, '1000.00')]);
    const f = await forecastOf('alpha', '2026-10-11');
    expect([f.mtd, f.forecast]).toEqual(['100.00', '310.00']);
  });
});

describe('projectSeries', () => {
  it('before any complete day, the cost to date is all it says', () => {
    const f = projectSeries({ period: P, days: 31, today: 2, usage: ['5.00'], oneOff: '0', estimated: new Set(), incompleteDays: 2, lastDataDay: 1 });
    expect(f.method).toBe('no-complete-day');
    expect(f.forecast).toBe(f.mtd);
  });
  it('a month that is over is its cost', () => {
    const usage = Array.from({ length: 30 }, () => '1.5');
    const f = projectSeries({ period: '2026-11', days: 30, today: 40, usage, oneOff: '2', estimated: new Set(), incompleteDays: 2, lastDataDay: 30 });
    expect([f.mtd, f.forecast, f.method]).toEqual(['47.000000000000', '47.000000000000', 'month-over']);
  });
});

describe('data dated on or after the as-of day', () => {
  it('is billed and not final: counted once, projected up to the expected day', async () => {
    const loaded = config(`
teams:
  - { id: alpha, name: Alpha, cost_center: CC-A, gl_account: "6100", accounts: ["111"] }
alerts: { incomplete_days: 0 }
`);
    const s = await tempStore();
    try {
      // a pull on the 11th already has 30 of the day's cost
      await addCharges(s, P, [...everyDay('111', 1, 10, '100.00'), { account: '111', day: 11, cost: '30.00' }]);
      await attributeAt(s, loaded, P);
      const [f] = await buildForecasts(s, loaded.config, P, { asOf: '2026-10-11' });
      // to date 1,030; the 11th at 100 (not 30 + 100); 20 more days × 100
      expect([f!.forecast.mtd, f!.forecast.forecast, f!.forecast.days_left]).toEqual(['1030.00', '3100.00', 20]);
      expect(f!.forecast.incomplete_days).toEqual([{ day: '2026-10-11', why: 'recent' }]);
    } finally {
      s.close();
    }
  });
});

describe('the first days of a month', () => {
  it('learn from the month before: its complete days are the history, weekday pattern included', async () => {
    const loaded = config(`
teams:
  - { id: alpha, name: Alpha, cost_center: CC-A, gl_account: "6100", accounts: ["111"] }
alerts: { incomplete_days: 0 }
`);
    const s = await tempStore();
    try {
      // September 2026 starts on a Tuesday: weekends 5–6, 12–13, 19–20, 26–27 at 20, other days 100
      const sepWeekend = new Set([5, 6, 12, 13, 19, 20, 26, 27]);
      await addCharges(s, '2026-09', everyDay('111', 1, 30, (d) => (sepWeekend.has(d) ? '20.00' : '100.00')));
      await addCharges(s, P, everyDay('111', 1, 2, '100.00'));
      await attributeAt(s, loaded, '2026-09');
      await attributeAt(s, loaded, P);
      const [f] = await buildForecasts(s, loaded.config, P, { asOf: '2026-10-03' });
      // October: 9 weekend days (3–4, 10–11, 17–18, 24–25, 31) × 20 + 22 weekdays × 100 = 2,380
      expect([f!.forecast.mtd, f!.forecast.forecast]).toEqual(['200.00', '2380.00']);
      expect(f!.forecast.by_charge_type[0]!.method).toMatch(/^weekday pattern of \d+ complete days$/);
    } finally {
      s.close();
    }
  });
});
