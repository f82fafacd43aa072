// What-if before publishing: a dry run writes nothing, and what it says a
// rule change does is what a real run then publishes.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { attribute } from '../../src/allocate/run.ts';
import { diffRuns, whatIf } from '../../src/allocate/whatif.ts';
import { Store } from '../../src/store/db.ts';
import { addItems, config, tempStore } from './fixture.ts';

const teams = `
teams:
  - { id: alpha, name: Alpha, cost_center: CC-A, gl_account: "6100", aliases: [legacy] }
  - { id: bravo, name: Bravo, cost_center: CC-B, gl_account: "6200", accounts: ["222"] }
shared_pools:
  - { id: platform, name: Platform, strategy: proportional }
`;
const before = config(`${teams}`);
// The rule change under review: account 999 becomes the platform's, shared by everyone.
const after = config(`${teams}
rules:
  - { name: platform account, match: { sub_account_id: "999" }, shared: platform }
`);

const sha = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex') + (existsSync(`${file}.wal`) ? '+wal' : '');

describe('allot attribute --dry-run', () => {
  it('writes nothing, names the matches that moved, and its per-team changes equal what a real run then publishes', async () => {
    let store = await tempStore();
    const file = store.path;
    await addItems(store, '2026-10', [
      { cost: '100.00', tags: { team: 'alpha' } },
      { cost: '50.00', account: '222' },
      { cost: '30.00', account: '999' },
      { cost: '20.00', account: '999', service: 'Storage' },
      { cost: '7.77', tags: { team: 'legacy' } },
    ]);
    const published = await attribute(store, before, '2026-10');
    store.close();
    const fingerprint = sha(file);

    store = await Store.open(file, { readOnly: true });
    const w = await whatIf(store, after, '2026-10');
    store.close();
    expect(sha(file)).toBe(fingerprint);

    expect(w.from).toEqual({ run_id: published.runId, label: `run #${published.runId} (latest)` });
    // 50 of platform cost, proportional: alpha 50 × 107.77 / 157.77 = 34.154… → 34.15, bravo 50 × 50 / 157.77 = 15.845… → 15.85.
    expect(w.teams).toEqual([
      { team_id: 'alpha', currency: 'USD', before: '107.77', after: '141.92', change: '34.15' },
      { team_id: 'bravo', currency: 'USD', before: '50.00', after: '65.85', change: '15.85' },
      { team_id: 'unallocated', currency: 'USD', before: '50.00', after: '0.00', change: '-50.00' },
    ]);
    expect(w.changed_teams).toBe(3);
    expect(w.matches.map((m) => [m.detail, m.target, m.line_items_before, m.line_items_after, m.amount_before, m.amount_after])).toEqual([
      ['no rule, cluster, tag or account', 'unallocated', 2, 0, '50.000000000000', '0.000000000000'],
      ['rules[0] "platform account"', 'pool platform', 0, 2, '0.000000000000', '50.000000000000'],
    ]);

    store = await Store.open(file);
    const real = await attribute(store, after, '2026-10');
    const publishedNow = await store.all<{ team_id: string; total: string }>(
      `SELECT team_id, sum(amount)::DECIMAL(38,2)::VARCHAR AS total FROM chargeback_rows WHERE run_id = $1 GROUP BY ALL ORDER BY ALL`,
      [real.runId],
    );
    expect(publishedNow).toEqual(w.teams.filter((t) => t.after !== '0.00').map((t) => ({ team_id: t.team_id, total: t.after })));

    // allot diff: the two stored runs say the same.
    const d = await diffRuns(store, '2026-10', published.runId, real.runId);
    expect(d.teams).toEqual(w.teams);
    expect(d.matches.map((m) => [m.detail, m.line_items_before, m.line_items_after])).toEqual(w.matches.map((m) => [m.detail, m.line_items_before, m.line_items_after]));
    await expect(diffRuns(store, '2026-09', published.runId, real.runId)).rejects.toThrow(`run #${published.runId} is a run of 2026-10, not of 2026-09`);
    store.close();
  });

  it('a read-only open of a store that does not exist is refused, not created', async () => {
    const path = `${(await tempStore().then((s) => { const p = s.path; s.close(); return p; }))}.missing`;
    await expect(Store.open(path, { readOnly: true })).rejects.toThrow(`no store at ${path}: check --db (or ALLOT_DB)`);
    expect(existsSync(path)).toBe(false);
  });
});
