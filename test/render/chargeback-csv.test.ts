// The chargeback CSV read back with a real CSV parser (csv-parse, RFC 4180):
// every cell that needs quoting is quoted, line feeds included, so the record
// count is the manifest's row count whatever the billing data holds.
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { attribute } from '../../src/allocate/run.ts';
import { buildChargebackExport } from '../../src/close/close.ts';
import { CHARGEBACK_HEADER, renderChargebackCsv, type ChargebackRow } from '../../src/render/chargeback-csv.ts';
import { addItems, config, tempStore } from '../allocate/fixture.ts';

const row = (service: string, team_name = 'Alpha'): ChargebackRow => ({
  period: '2026-10', team_id: 'alpha', team_name, cost_center: 'CC-A', gl_account: '6100', mode: 'showback',
  charge_type: 'direct', service, currency: 'USD', amount: '1.00', line_items: '1',
});

describe('renderChargebackCsv', () => {
  it.each([
    ['a line feed', 'Compute\nfake,row', '"Compute\nfake,row"'],
    ['a carriage return', 'Compute\rX', '"Compute\rX"'],
    ['CRLF', 'a\r\nb', '"a\r\nb"'],
    ['a quote', 'say "hi"', '"say ""hi"""'],
    ['a comma', 'a,b', '"a,b"'],
    ['a formula', '=HYPERLINK("http://x")', '"\'=HYPERLINK(""http://x"")"'],
    ['nothing to quote', 'Amazon S3', 'Amazon S3'],
  ])('%s: quoted as needed, and read back as one field', (_name, service, cell) => {
    const csv = renderChargebackCsv([row(service)]);
    expect(csv).toContain(`,${cell},USD,`);
    const records = parse(csv, { columns: true, record_delimiter: ['\r\n'] }) as Record<string, string>[];
    expect(records).toHaveLength(1);
    expect(Object.keys(records[0]!)).toEqual([...CHARGEBACK_HEADER]);
    expect(records[0]!.service).toBe(service.startsWith('=') ? `'${service}` : service);
  });

  it('CRLF ends every record, the header included', () => {
    const csv = renderChargebackCsv([row('a'), row('b')]);
    expect(csv.match(/\r\n/g)).toHaveLength(3);
    expect(csv.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
  });
});

describe('the exported CSV of a run with line feeds in its billing data', () => {
  it('parses to exactly the manifest\'s rows, each with 11 fields', async () => {
    const store = await tempStore();
    try {
      const cfg = config(`teams:
  - { id: alpha, name: "Alpha\\nTeam", cost_center: CC-A, gl_account: "6100" }
  - { id: bravo, name: "Bravo, \\"B\\"", cost_center: CC-B, gl_account: "6200" }
`);
      await addItems(store, '2026-10', [
        { cost: '10.00', service: 'Compute\ninjected,row,with,eleven,fields,1,2,3,4,5', tags: { team: 'alpha' } },
        { cost: '2.50', service: 'Storage\r\nmore', tags: { team: 'bravo' } },
        { cost: '1.25', service: 'Net\rwork', tags: { team: 'nobody' } },
      ]);
      await attribute(store, cfg, '2026-10');
      const { csv, manifest } = await buildChargebackExport(store, '2026-10');
      const records = parse(csv, { record_delimiter: ['\r\n'] }) as string[][];
      expect(records).toHaveLength(manifest.rows + 1);
      expect(new Set(records.map((r) => r.length))).toEqual(new Set([11]));
      expect(records.map((r) => r[7]).slice(1).sort()).toEqual(['Compute\ninjected,row,with,eleven,fields,1,2,3,4,5', 'Net\rwork', 'Storage\r\nmore']);
      expect(records.find((r) => r[1] === 'alpha')![2]).toBe('Alpha\nTeam');
    } finally {
      store.close();
    }
  });
});
