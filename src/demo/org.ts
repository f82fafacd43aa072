// The demo organisation ("Acme"): teams, cloud accounts, clusters and
// namespaces. These are small lists built in TypeScript; the large tables
// (line items, pod samples) are generated from them inside DuckDB.
// The organisation's shape depends only on the size, never on the seed:
// the seed varies the numbers, so every demo tells the same story.

import type { AccountRole } from './catalog.ts';

export interface OrgSize {
  teams: number;
  awsAccounts: number;
  gcpProjects: number;
  /** Line items per month, approximately (the last month; earlier months have a little fewer). */
  lineItems: number;
  clusters: number;
  podsPerCluster: number;
  /** History months ending at `period`. */
  months: number;
}

export type Provider = 'AWS' | 'Google Cloud';

export interface TeamDef {
  id: string;
  name: string;
  costCenter: string;
  glAccount: string;
  mode: 'chargeback' | 'showback';
  aliases: string[];
  accounts: string[];
  namespaces: string[];
  receivesShared: boolean;
}

export interface AccountDef {
  provider: Provider;
  id: string;
  name: string;
  role: AccountRole;
  owner: string | null; // team id
  region: string;
  regionName: string;
  weight: number; // share of the provider's resources
}

export interface NamespaceDef {
  name: string;
  labels: Record<string, string>;
  weight: number; // share of the cluster's pods
  workloads: string[];
}

export interface ClusterDef {
  id: string;
  provider: Provider;
  account: string;
  region: string;
  regionName: string;
  tagKey: string;
  instanceType: string;
  cores: number;
  memoryBytes: number;
  /** Target requested share of capacity (so there is idle). */
  fill: number;
  namespaces: NamespaceDef[];
}

export interface Org {
  teams: TeamDef[];
  accounts: AccountDef[];
  clusters: ClusterDef[];
  /** Teams whose spend jumps (resources appear in that month index), for the trend story. */
  jumps: { team: string; month: number; share: number }[];
  /** Tag values that name no team. */
  unknownTeamValues: string[];
  platformAccount: string;
  securityAccount: string;
  creditAccount: string | null;
}

const CANONICAL: Omit<TeamDef, 'accounts' | 'namespaces'>[] = [
  { id: 'payments', name: 'Payments', costCenter: 'CC-1001', glAccount: '6100', mode: 'chargeback', aliases: ['pay'], receivesShared: true },
  { id: 'checkout', name: 'Checkout', costCenter: 'CC-1002', glAccount: '6100', mode: 'chargeback', aliases: [], receivesShared: true },
  { id: 'search', name: 'Search', costCenter: 'CC-1003', glAccount: '6110', mode: 'chargeback', aliases: [], receivesShared: true },
  { id: 'catalog', name: 'Catalog', costCenter: 'CC-1004', glAccount: '6110', mode: 'showback', aliases: [], receivesShared: true },
  { id: 'recommendations', name: 'Recommendations', costCenter: 'CC-1005', glAccount: '6120', mode: 'showback', aliases: ['recs'], receivesShared: true },
  { id: 'identity', name: 'Identity & Access', costCenter: 'CC-1006', glAccount: '6130', mode: 'chargeback', aliases: ['auth'], receivesShared: true },
  { id: 'notifications', name: 'Notifications', costCenter: 'CC-1007', glAccount: '6130', mode: 'showback', aliases: [], receivesShared: true },
  { id: 'data-platform', name: 'Data Platform', costCenter: 'CC-2001', glAccount: '6200', mode: 'chargeback', aliases: ['data'], receivesShared: true },
  { id: 'ml-platform', name: 'ML Platform', costCenter: 'CC-2002', glAccount: '6200', mode: 'showback', aliases: ['ml'], receivesShared: true },
  { id: 'mobile', name: 'Mobile Apps', costCenter: 'CC-3001', glAccount: '6300', mode: 'showback', aliases: [], receivesShared: true },
  { id: 'web', name: 'Web Frontend', costCenter: 'CC-3002', glAccount: '6300', mode: 'showback', aliases: ['frontend'], receivesShared: true },
  { id: 'fraud', name: 'Fraud Detection', costCenter: 'CC-1008', glAccount: '6100', mode: 'chargeback', aliases: ['risk'], receivesShared: true },
  { id: 'logistics', name: 'Logistics', costCenter: 'CC-4001', glAccount: '6400', mode: 'chargeback', aliases: [], receivesShared: true },
  { id: 'support-tools', name: 'Support Tools', costCenter: 'CC-5001', glAccount: '6500', mode: 'showback', aliases: ['support'], receivesShared: true },
  // A research lab funded centrally: it is shown its own cost but carries no overhead.
  { id: 'research', name: 'Research Lab', costCenter: 'CC-9001', glAccount: '6900', mode: 'showback', aliases: [], receivesShared: false },
];

// Extra teams for large sizes: "<domain>-<function>" (20 x 15 = 300 names).
const DOMAINS = ['billing', 'orders', 'ledger', 'pricing', 'inventory', 'shipping', 'returns', 'loyalty', 'ads', 'growth',
  'onboarding', 'messaging', 'media', 'maps', 'reviews', 'partners', 'merchant', 'tax', 'compliance', 'studio'];
const FUNCTIONS = ['api', 'core', 'data', 'web', 'apps', 'infra', 'sre', 'insights', 'ops', 'labs', 'ui', 'sync', 'edge', 'services', 'tools'];

// Weighted by repetition: legacy-data is the one a demo user should see.
const UNKNOWN_TEAM_VALUES = ['legacy-data', 'legacy-data', 'legacy-data', 'growth-experiments', 'tbd', 'platform-old'];

const AWS_REGIONS: Record<string, string> = { 'us-east-1': 'US East (N. Virginia)', 'eu-west-1': 'Europe (Ireland)' };
const GCP_REGIONS: Record<string, string> = { 'us-central1': 'Iowa', 'europe-west1': 'Belgium' };

const CLUSTER_NAMES = ['prod-eu', 'prod-us', 'staging-eu', 'staging-us', 'prod-ap', 'batch-eu', 'batch-us', 'edge-eu'];

export function validateSize(size: OrgSize): void {
  const ints: (keyof OrgSize)[] = ['teams', 'awsAccounts', 'gcpProjects', 'lineItems', 'clusters', 'podsPerCluster', 'months'];
  for (const k of ints) {
    if (!Number.isSafeInteger(size[k]) || size[k] < 0) throw new Error(`demo size: ${k} must be a non-negative integer, got ${size[k]}`);
  }
  if (size.teams < 1 || size.teams > CANONICAL.length + DOMAINS.length * FUNCTIONS.length) throw new Error(`demo size: teams must be 1..${CANONICAL.length + DOMAINS.length * FUNCTIONS.length}`);
  if (size.awsAccounts < 3) throw new Error('demo size: awsAccounts must be at least 3 (platform, security, shared)');
  if (size.gcpProjects < 1) throw new Error('demo size: gcpProjects must be at least 1');
  if (size.months < 1 || size.months > 36) throw new Error('demo size: months must be 1..36');
  if (size.clusters > 0 && size.podsPerCluster < 1) throw new Error('demo size: podsPerCluster must be at least 1');
}

export function buildOrg(size: OrgSize): Org {
  validateSize(size);
  const teams: TeamDef[] = [];
  for (let i = 0; i < size.teams; i++) {
    const c = CANONICAL[i];
    if (c) {
      teams.push({ ...c, accounts: [], namespaces: [] });
    } else {
      const g = i - CANONICAL.length;
      const d = DOMAINS[g % DOMAINS.length]!;
      const f = FUNCTIONS[Math.floor(g / DOMAINS.length)]!;
      teams.push({
        id: `${d}-${f}`,
        name: `${title(d)} ${f === 'ui' || f === 'sre' || f === 'api' ? f.toUpperCase() : title(f)}`,
        costCenter: `CC-${6000 + g}`,
        glAccount: String(6600 + (g % 10) * 10),
        mode: g % 3 === 0 ? 'chargeback' : 'showback',
        aliases: [],
        accounts: [],
        namespaces: [],
        receivesShared: true,
      });
    }
  }
  const team = (id: string) => teams.find((t) => t.id === id);

  // Accounts: fixed roles first, then one account per team in order.
  const accounts: AccountDef[] = [
    { provider: 'AWS', id: '999999999999', name: 'acme-platform', role: 'platform', owner: null, region: 'us-east-1', regionName: AWS_REGIONS['us-east-1']!, weight: 8 },
    { provider: 'AWS', id: '555555555555', name: 'acme-security', role: 'security', owner: null, region: 'us-east-1', regionName: AWS_REGIONS['us-east-1']!, weight: 3 },
    { provider: 'AWS', id: '444444444444', name: 'acme-prod-shared', role: 'shared', owner: null, region: 'eu-west-1', regionName: AWS_REGIONS['eu-west-1']!, weight: 40 },
  ];
  const awsOwners = ['payments', 'search', 'data-platform'];
  const fixedIds: Record<string, string> = { payments: '111111111111', search: '222222222222', 'data-platform': '333333333333' };
  const owned = new Set<string>(['ml-platform']);
  const nextOwner = (preferred: string[]): TeamDef | undefined =>
    preferred.map(team).find((t) => t && !owned.has(t.id)) ?? teams.find((t) => !owned.has(t.id) && t.receivesShared);
  const awsTeamAccounts = size.awsAccounts - 3;
  for (let i = 0; i < awsTeamAccounts; i++) {
    const t = nextOwner(awsOwners);
    const region = i % 2 === 0 ? 'eu-west-1' : 'us-east-1';
    const weight = 45 / awsTeamAccounts;
    if (!t) {
      accounts.push({ provider: 'AWS', id: String(700000000000 + i * 1000003), name: `acme-sandbox-${i}`, role: 'shared', owner: null, region, regionName: AWS_REGIONS[region]!, weight });
      continue;
    }
    owned.add(t.id);
    const id = fixedIds[t.id] ?? String(600000000000 + i * 1000003);
    accounts.push({ provider: 'AWS', id, name: `acme-${t.id}-prod`, role: 'team', owner: t.id, region, regionName: AWS_REGIONS[region]!, weight });
    t.accounts.push(id);
  }

  accounts.push({ provider: 'Google Cloud', id: 'acme-prod-us', name: 'Acme Production US', role: 'shared', owner: null, region: 'us-central1', regionName: GCP_REGIONS['us-central1']!, weight: 45 });
  if (size.gcpProjects >= 2) {
    const ml = team('ml-platform');
    accounts.push({ provider: 'Google Cloud', id: 'acme-ml-training', name: 'Acme ML Training', role: ml ? 'ml' : 'shared', owner: ml ? ml.id : null, region: 'us-central1', regionName: GCP_REGIONS['us-central1']!, weight: 20 });
    ml?.accounts.push('acme-ml-training');
  }
  if (size.gcpProjects >= 3) {
    accounts.push({ provider: 'Google Cloud', id: 'acme-analytics', name: 'Acme Analytics', role: 'analytics', owner: null, region: 'us-central1', regionName: GCP_REGIONS['us-central1']!, weight: 25 });
  }
  const gcpTeamProjects = size.gcpProjects - 3;
  for (let i = 0; i < gcpTeamProjects; i++) {
    const t = nextOwner([]);
    const region = i % 2 === 0 ? 'us-central1' : 'europe-west1';
    if (!t) {
      accounts.push({ provider: 'Google Cloud', id: `acme-sandbox-${i}`, name: `Acme Sandbox ${i}`, role: 'shared', owner: null, region, regionName: GCP_REGIONS[region]!, weight: 20 / gcpTeamProjects });
      continue;
    }
    owned.add(t.id);
    const id = `acme-${t.id}`;
    accounts.push({ provider: 'Google Cloud', id, name: `Acme ${t.name}`, role: 'team', owner: t.id, region, regionName: GCP_REGIONS[region]!, weight: 20 / gcpTeamProjects });
    t.accounts.push(id);
  }

  const clusters: ClusterDef[] = [];
  for (let c = 0; c < size.clusters; c++) {
    const id = CLUSTER_NAMES[c] ?? `cluster-${c}`;
    const aws = c % 2 === 0;
    clusters.push({
      id,
      provider: aws ? 'AWS' : 'Google Cloud',
      account: aws ? '444444444444' : 'acme-prod-us',
      region: aws ? 'eu-west-1' : 'us-central1',
      regionName: aws ? AWS_REGIONS['eu-west-1']! : GCP_REGIONS['us-central1']!,
      tagKey: aws ? 'eks:cluster-name' : 'goog-k8s-cluster-name',
      instanceType: aws ? 'm6i.2xlarge' : 'n2-standard-8',
      cores: 8,
      memoryBytes: aws ? 33164283904 : 33671544832,
      fill: [0.7, 0.66, 0.72, 0.68][c % 4]!,
      namespaces: namespacesFor(c, aws, teams, size.clusters),
    });
  }
  // etl-jobs carries no team label: it is owned only through data-platform's `namespaces`.
  if (clusters[0]?.namespaces.some((n) => n.name === 'etl-jobs')) team('data-platform')?.namespaces.push('etl-jobs');

  const jumps: Org['jumps'] = [];
  if (size.months >= 2 && team('ml-platform')) jumps.push({ team: 'ml-platform', month: size.months - 1, share: 0.4 });
  if (size.months >= 3 && team('search')) jumps.push({ team: 'search', month: Math.max(1, size.months - 3), share: 0.35 });

  const credit = accounts.find((a) => a.owner === 'data-platform' && a.provider === 'AWS') ?? accounts.find((a) => a.role === 'team' && a.provider === 'AWS') ?? null;
  return {
    teams,
    accounts,
    clusters,
    jumps,
    unknownTeamValues: UNKNOWN_TEAM_VALUES,
    platformAccount: '999999999999',
    securityAccount: '555555555555',
    creditAccount: credit?.id ?? '444444444444',
  };
}

function namespacesFor(c: number, aws: boolean, teams: TeamDef[], nClusters: number): NamespaceDef[] {
  const has = (id: string) => teams.some((t) => t.id === id);
  const ns = (name: string, labels: Record<string, string>, weight: number, workloads: string[]): NamespaceDef => ({
    name,
    labels: { 'kubernetes.io/metadata.name': name, ...labels },
    weight,
    workloads,
  });
  const out: NamespaceDef[] = [
    ns('kube-system', {}, 6, aws
      ? ['coredns', 'aws-load-balancer-controller', 'cluster-autoscaler', 'metrics-server', 'ebs-csi-controller']
      : ['kube-dns', 'konnectivity-agent', 'metrics-server', 'event-exporter-gke', 'l7-default-backend']),
    ns('monitoring', { 'app.kubernetes.io/part-of': 'observability' }, 5, ['prometheus', 'grafana', 'alertmanager', 'kube-state-metrics', 'loki']),
  ];
  const teamNs = (name: string, team: string, labelValue: string, weight: number, workloads: string[], key = 'team') => {
    if (has(team)) out.push(ns(name, { [key]: labelValue }, weight, workloads));
  };
  if (c === 0) {
    teamNs('payments', 'payments', 'payments', 12, ['payments-api', 'ledger-writer', 'refunds-worker', 'payouts-cron']);
    teamNs('checkout', 'checkout', 'checkout', 10, ['checkout-web', 'cart-api', 'promo-engine']);
    teamNs('search-api', 'search', 'search', 10, ['search-api', 'query-router', 'suggest']);
    teamNs('catalog', 'catalog', 'catalog', 8, ['catalog-api', 'image-resizer', 'import-worker']);
    teamNs('recs-serving', 'recommendations', 'recs', 7, ['recs-api', 'feature-cache']); // label uses the alias
    teamNs('identity', 'identity', 'identity', 6, ['auth-api', 'token-service', 'session-store']);
    teamNs('notifications', 'notifications', 'Notifications', 5, ['email-sender', 'push-gateway']); // odd case
    teamNs('fraud-scoring', 'fraud', 'fraud', 6, ['scoring-api', 'rules-engine']);
    if (has('data-platform')) out.push(ns('etl-jobs', { 'app.kubernetes.io/name': 'airflow' }, 6, ['airflow-scheduler', 'airflow-worker', 'spark-driver']));
    out.push(ns('sandbox', { purpose: 'experiments' }, 2, ['jupyter', 'load-test'])); // no owner
  } else if (c === 1) {
    teamNs('web', 'web', 'web', 12, ['web-ssr', 'edge-proxy', 'assets-api']);
    teamNs('mobile-bff', 'mobile', 'mobile', 9, ['mobile-bff', 'push-relay']);
    teamNs('ml-inference', 'ml-platform', 'ML', 10, ['model-server', 'embedding-api', 'feature-store']); // alias, upper case
    teamNs('logistics', 'logistics', 'logistics', 8, ['routing-api', 'tracking-consumer', 'eta-model']);
    teamNs('search-indexer', 'search', 'search', 8, ['indexer', 'crawler']);
    teamNs('support-tools', 'support-tools', 'support-tools', 5, ['helpdesk-api', 'chat-widget'], 'owner'); // `owner` label
    teamNs('payments-gateway', 'payments', 'pay', 7, ['gateway-api', 'webhook-relay']); // alias
    out.push(ns('tmp-load-test', {}, 2, ['k6-runner'])); // no owner
  } else {
    out.push(ns('scratch', {}, 3, ['debug-shell']));
  }
  // Large sizes: every team runs a namespace in one cluster.
  teams.forEach((t, i) => {
    if (i < CANONICAL.length && c < 2) return;
    if (i % nClusters !== c) return;
    if (out.some((n) => n.name === t.id)) return;
    out.push(ns(t.id, { team: t.id }, 4, [`${t.id}-api`, `${t.id}-worker`, `${t.id}-web`]));
  });
  return out;
}

function title(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

// ---------------------------------------------------------------------------
// The config file a demo user starts from.

const q = (s: string) => JSON.stringify(s); // a YAML double-quoted scalar
const list = (xs: string[]) => `[${xs.map(q).join(', ')}]`;

export function configYaml(org: Org, opts: { seed: number; period: string; currency: string }): string {
  const L: string[] = [];
  L.push(
    '# Allot demo organisation "Acme" (fictional), written by the demo generator',
    `# (seed ${opts.seed}, last period ${opts.period}, currency ${opts.currency}).`,
    '#',
    '# It is built to exercise every rule in shared/design/allocation.md:',
    '#  - team tags, including alias values ("pay"), odd case ("Payments") and',
    '#    resources tagged `owner` instead of `team`;',
    '#  - tag values that name no team ("legacy-data") -> unallocated;',
    '#  - untagged resources in team-owned accounts -> that team (account ownership);',
    '#  - untagged resources in acme-prod-shared / acme-analytics -> unallocated, "no owner";',
    '#  - a Savings Plan and an RDS reservation (amortised: EffectiveCost != BilledCost),',
    '#    a monthly credit, and tax;',
    '#  - Kubernetes clusters split by namespace requests/usage, with idle capacity.',
    '',
    'cost_metric: EffectiveCost            # amortised; try BilledCost to see the commitments land on platform',
    'currency_decimals: 2',
    'team_tag_keys: [team, owner]          # first key present wins',
    'namespace_team_labels: [team, owner]',
    'unallocated: { cost_center: CC-0000, gl_account: "6999" }',
    '',
    '# Each team: `aliases` are other values tags and namespace labels use for it;',
    '# `accounts` own whatever untagged cost they hold; `namespaces` are owned outright.',
    'teams:',
  );
  for (const t of org.teams) {
    L.push(`  - id: ${t.id}`, `    name: ${q(t.name)}`, `    cost_center: ${t.costCenter}`, `    gl_account: ${q(t.glAccount)}`, `    mode: ${t.mode}`);
    L.push(`    emails: [${t.id}-leads@example.com]`);
    if (t.aliases.length) L.push(`    aliases: ${list(t.aliases)}`);
    if (t.accounts.length) L.push(`    accounts: ${list(t.accounts)}`);
    if (t.namespaces.length) L.push(`    namespaces: ${list(t.namespaces)}   # carries no team label`);
    if (!t.receivesShared) L.push('    receives_shared: false   # centrally funded: carries no shared overhead');
  }
  L.push(
    '',
    'shared_pools:',
    '  - id: platform',
    '    name: "Platform overhead"',
    '    strategy: proportional   # CI, networking, observability, tax, system namespaces',
    '  - id: security',
    '    name: "Security & compliance"',
    '    strategy: even           # every receiving team pays the same share',
  );
  if (org.clusters.length) {
    L.push('', 'clusters:');
    for (const c of org.clusters) {
      L.push(
        `  - id: ${c.id}   # ${c.provider === 'AWS' ? 'EKS' : 'GKE'} in ${c.account}; its node instances carry the tag below`,
        `    match: { tags: { ${q(c.tagKey)}: ${c.id} } }`,
        '    system_namespaces: [kube-system, monitoring]',
        '    system_pool: platform',
        '    idle: proportional   # idle capacity follows each namespace\'s usage share',
        '    prices: { cpu_core_hour: 0.031611, memory_gib_hour: 0.004237 }',
      );
    }
  }
  L.push(
    '',
    'rules:   # ordered, first match wins',
    '  - name: platform account',
    `    match: { sub_account_id: ${q(org.platformAccount)} }   # CI, NAT, registry; owns the Savings Plan`,
    '    shared: platform',
    '  - name: tax',
    '    match: { charge_category: Tax }',
    '    shared: platform',
    '  - name: security account',
    `    match: { sub_account_id: ${q(org.securityAccount)} }`,
    '    shared: security',
    '  - name: GCP security tooling',
    '    match: { service_name: "Security Command Center" }',
    '    shared: security',
    '',
  );
  return L.join('\n');
}
