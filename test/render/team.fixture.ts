// A small organisation over two months for the team report and delivery tests:
// four teams (one chargeback, one with a hostile name, one without emails),
// a cluster with namespaces, a shared pool, and spend that needs tagging work.
import { attribute } from '../../src/allocate/run.ts';
import { parseConfig, type LoadedConfig } from '../../src/config/load.ts';
import type { Store } from '../../src/store/db.ts';
import { addItems, addSnapshot, config, tempStore, type Item } from '../allocate/fixture.ts';

export const PERIOD = '2026-10';
export const PREVIOUS = '2026-09';

export const HOSTILE_NAME = '<script>alert(1)</script> =HYPERLINK("http://evil.example","x")';
export const HOSTILE_SERVICE = '=HYPERLINK("http://evil.example/s","click")';
export const SCRIPT_SERVICE = '<script>alert("svc")</script>';

export function orgYaml(smtp?: { port: number; user?: boolean; requireTls?: boolean }): string {
  return `
team_tag_keys: [team, owner]
namespace_team_labels: [team]
unallocated: { cost_center: CC-0000, gl_account: "6999" }
teams:
  - { id: payments, name: Payments, cost_center: CC-1001, gl_account: "6100", mode: chargeback,
      emails: [pay-leads@example.com, pay-fin@example.com], aliases: [pay], accounts: ["111111111111"], namespaces: [payments-batch] }
  - { id: zebra, name: Zebracorn Analytics, cost_center: CC-2002, gl_account: "6200", emails: [zebra-leads@example.com], accounts: ["222222222222"] }
  - { id: hostile, name: '${HOSTILE_NAME}', cost_center: CC-3003, gl_account: "6300", emails: [hostile@example.com] }
  - { id: quokka, name: Quokka Labs, cost_center: CC-4004, gl_account: "6400" }
shared_pools:
  - { id: platform, name: Platform overhead }
clusters:
  - id: prod-eu
    match: { tags: { "eks:cluster-name": prod-eu } }
    system_namespaces: [kube-system]
    system_pool: platform
    prices: { cpu_core_hour: 4, memory_gib_hour: 1 }
rules:
  - { match: { charge_category: Tax }, shared: platform }
${smtp ? `smtp:
  host: 127.0.0.1
  port: ${smtp.port}
  from: "Allot <allot@example.com>"
  reply_to: finops@example.com
${smtp.user ? `  user: allot\n  password: "\${SMTP_PASSWORD}"\n${smtp.requireTls ? '' : '  allow_insecure_auth: true   # the local test server has no TLS\n'}` : ''}` : ''}`;
}

export function orgConfig(smtp?: { port: number; user?: boolean; requireTls?: boolean }, env: Record<string, string> = {}): LoadedConfig {
  // The environment is for ${SMTP_PASSWORD}.
  return Object.keys(env).length === 0 ? config(orgYaml(smtp)) : parseConfig(orgYaml(smtp), 'test.yaml', env);
}

/** The month's line items; the previous month has other amounts. */
function items(prev: boolean): Item[] {
  const k = (cur: string, before: string) => (prev ? before : cur);
  return [
    // payments: tagged direct spend, incl. two hostile service names
    { cost: k('1200.00', '1100.00'), service: 'Amazon RDS', tags: { team: 'payments' }, account: '111111111111', day: 3 },
    { cost: k('300.00', '150.00'), service: 'Amazon S3', tags: { team: 'payments' }, account: '111111111111', day: 10 },
    { cost: k('12.34', '12.34'), service: SCRIPT_SERVICE, tags: { team: 'pay' }, account: '111111111111', day: 12 },
    { cost: k('5.67', '5.00'), service: HOSTILE_SERVICE, tags: { team: 'payments' }, day: 20 },
    // payments: untagged, reaches it by account ownership
    { cost: k('45.00', '40.00'), service: 'AWS Lambda', account: '111111111111', day: 5 },
    // in payments' account, tagged with a typo: unallocated, hygiene
    { cost: k('88.00', '80.00'), service: 'Amazon EC2', tags: { team: 'paymnts' }, account: '111111111111', day: 7 },
    // also in payments' account, but the tag names another team: not shown to payments
    { cost: k('33.33', '33.33'), service: 'Amazon EC2', tags: { team: 'zebra-old' }, account: '111111111111', day: 8 },
    // zebra
    { cost: k('4321.09', '3999.91'), service: 'Amazon Redshift', tags: { team: 'zebra' }, account: '222222222222', day: 2 },
    { cost: k('613.37', '600.01'), service: 'Zebra Only Service', account: '222222222222', day: 9 },
    // hostile team
    { cost: k('77.77', '70.07'), service: 'Amazon SQS', tags: { team: 'hostile' }, day: 4 },
    // quokka (no emails)
    { cost: k('19.19', '18.18'), service: 'Amazon SNS', tags: { team: 'quokka' }, day: 6 },
    // the cluster's bill, on two days
    { cost: k('600.00', '500.00'), service: 'Amazon EC2', tags: { 'eks:cluster-name': 'prod-eu' }, day: 1 },
    { cost: k('400.00', '500.00'), service: 'Amazon EC2', tags: { 'eks:cluster-name': 'prod-eu' }, day: 15 },
    // tax → platform pool → shared, proportional
    { cost: k('100.00', '90.00'), service: 'Tax', category: 'Tax', day: 1 },
  ];
}

async function snapshot(store: Store, period: string, prev: boolean, importId: number): Promise<void> {
  await addSnapshot(
    store,
    {
      cluster: 'prod-eu',
      ts: `${period}-01 00:00:00`,
      hours: 720,
      nodes: [{ cpu: 4, memGiB: 16 }],
      namespaces: {
        'payments-api': { team: 'payments' },
        'payments-batch': {},
        'zebra-web': { team: 'zebra' },
        'kube-system': {},
        'payments-legacy': {},
      },
      pods: [
        { ns: 'payments-api', cpuReq: 1, cpuUse: prev ? 0.5 : 0.25, memReqGiB: 4, memUseGiB: 2 },
        { ns: 'payments-batch', cpuReq: 0.5, cpuUse: 0.5, memReqGiB: 2, memUseGiB: 1 },
        { ns: 'zebra-web', cpuReq: 1.2, cpuUse: 0.9, memReqGiB: 3, memUseGiB: 2.5 },
        { ns: 'kube-system', cpuReq: 0.5, cpuUse: 0.2, memReqGiB: 2, memUseGiB: 1 },
        { ns: 'payments-legacy', cpuReq: 0.25, memReqGiB: 1 },
      ],
    },
    importId,
  );
}

export interface Org {
  store: Store;
  loaded: LoadedConfig;
  runs: { previous: number; current: number };
}

/** A store with both months imported and attributed. */
export async function buildOrg(loaded: LoadedConfig = orgConfig()): Promise<Org> {
  const store = await tempStore();
  await addItems(store, PREVIOUS, items(true), 1);
  await addItems(store, PERIOD, items(false), 2);
  await snapshot(store, PREVIOUS, true, 100);
  await snapshot(store, PERIOD, false, 101);
  const previous = (await attribute(store, loaded, PREVIOUS)).runId;
  const current = (await attribute(store, loaded, PERIOD)).runId;
  return { store, loaded, runs: { previous, current } };
}
