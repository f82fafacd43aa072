import { z } from 'zod';
import { CapabilitySchema, checkCapabilities } from './capabilities.ts';

// The configuration keys of the product contract (shared/design/allocation.md),
// plus Allot's own additions, which are marked. Every object is strict: an
// unknown key is an error, so a typo never silently changes a number.

// Numbers are bounded so that any valid configuration attributes: weights
// and prices become DECIMAL in the store (an exponent like 1e308 does not),
// and a zero price or utilisation would divide by zero.
const WEIGHT_MAX = 1e12;
const weight = z
  .number()
  .min(0)
  .max(WEIGHT_MAX, `must be at most ${WEIGHT_MAX.toLocaleString('en-US')}`)
  .refine((w) => w === 0 || w >= 1e-6, 'must be 0 or at least 0.000001');
const price = z.number().min(1e-6, 'must be at least 0.000001').max(1e6, 'must be at most 1,000,000');

const id = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_.-]*$/, 'must be lower-case letters, digits, ".", "_" or "-"');

/** A line-item matcher. String values accept `*` globs; all given keys must match. */
export const MatchSchema = z
  .strictObject({
    sub_account_id: z.string().optional(),
    service_name: z.string().optional(),
    service_category: z.string().optional(),
    region_id: z.string().optional(),
    charge_category: z.string().optional(),
    resource_id: z.string().optional(),
    tags: z.record(z.string(), z.string()).optional(),
  })
  .refine((m) => Object.values(m).some((v) => v !== undefined), 'a match needs at least one key');

// Allot: a monthly budget, in the team's reporting currency (see src/budgets/).
// Amounts are written as numbers or decimal text; they are kept as decimal text.
const budgetAmount = z
  .union([z.number().min(0).max(1e15), z.string().regex(/^\d{1,15}(\.\d{1,6})?$/, 'must be a decimal amount, e.g. "12500.00"')])
  .transform((v) => (typeof v === 'number' ? numberText(v) : v));
export const BUDGET_CHARGE_TYPES = ['direct', 'kubernetes', 'idle', 'shared'] as const;
export const BudgetSchema = z.union([
  budgetAmount,
  z
    .strictObject({
      amount: budgetAmount.optional(), // default: the sum of charge_types
      currency: z.string().regex(/^[A-Z]{3}$/, 'must be a three-letter ISO 4217 code').optional(), // default: the team's cost currency
      charge_types: z.partialRecord(z.enum(BUDGET_CHARGE_TYPES), budgetAmount).optional(),
    })
    .refine((b) => b.amount !== undefined || Object.keys(b.charge_types ?? {}).length > 0, 'a budget needs an amount or charge_types'),
]);
// Allot: where a team's alerts go besides its emails (Slack- or Teams-compatible incoming webhooks).
export const WebhookSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/ }),
  format: z.enum(['slack', 'teams']).default('slack'),
});

/** A config number as decimal text without an exponent. */
function numberText(n: number): string {
  const s = String(n);
  return /e/i.test(s) ? n.toFixed(6).replace(/0+$/, '').replace(/\.$/, '') : s;
}

export const TeamSchema = z.strictObject({
  id: id.refine((v) => v !== 'unallocated', '"unallocated" is reserved'),
  name: z.string().min(1),
  cost_center: z.string().min(1),
  gl_account: z.coerce.string(),
  mode: z.enum(['chargeback', 'showback']).default('showback'),
  emails: z.array(z.email()).default([]),
  aliases: z.array(z.string().min(1)).default([]),
  accounts: z.array(z.coerce.string()).default([]),
  namespaces: z.array(z.string().min(1)).default([]),
  receives_shared: z.boolean().default(true),
  budget: BudgetSchema.optional(), // Allot
  webhooks: z.array(WebhookSchema).optional(), // Allot
});

export const PoolSchema = z.strictObject({
  id,
  name: z.string().min(1),
  strategy: z.enum(['proportional', 'even', 'fixed']).default('proportional'),
  weights: z.record(z.string(), weight).optional(),
});

export const ClusterSchema = z.strictObject({
  id,
  match: MatchSchema.optional(),
  system_namespaces: z.array(z.string().min(1)).default([]),
  system_pool: z.string().optional(),
  idle: z.enum(['proportional', 'platform', 'unallocated']).default('proportional'),
  prices: z
    .strictObject({
      cpu_core_hour: price,
      memory_gib_hour: price,
    })
    .default({ cpu_core_hour: 0.031611, memory_gib_hour: 0.004237 }),
});

export const RuleSchema = z
  .strictObject({
    name: z.string().optional(), // Allot: a label shown in lineage
    match: MatchSchema,
    team: z.string().optional(),
    shared: z.string().optional(),
    cluster: z.string().optional(),
  })
  .refine(
    (r) => [r.team, r.shared, r.cluster].filter((t) => t !== undefined).length === 1,
    'a rule needs exactly one target: team, shared or cluster',
  );

/** A value-model input: a range and where the figure comes from. */
const figure = z.number().min(0).max(1e9, 'must be at most 1,000,000,000');
export const EstimateSchema = z
  .strictObject({
    low: figure,
    base: figure,
    high: figure,
    source: z.string().min(1),
  })
  .refine((e) => e.low <= e.base && e.base <= e.high, 'needs low <= base <= high');

const estimate = (low: number, base: number, high: number, source: string) => EstimateSchema.default({ low, base, high, source });

// A share of capacity in use: above 0 (capacity is usage ÷ utilisation), at most 1.
const UtilisationSchema = EstimateSchema.refine((e) => e.low >= 0.01 && e.high <= 1, 'utilisation is a fraction: needs 0.01 <= low and high <= 1');

// Allot: the platform value model ("what would self-managed have cost?").
// Defaults are public list prices and survey figures; override them with your own.
export const ValueModelSchema = z.strictObject({
  control_plane_fee_per_hour: estimate(0.1, 0.1, 0.1, 'EKS and GKE Standard list price for a cluster control plane, $0.10 per hour'),
  self_managed_clusters_per_team: estimate(1, 2, 3, 'assumption: a team running its own Kubernetes keeps at least production and staging clusters'),
  self_managed_utilisation: UtilisationSchema.default({
    low: 0.13, base: 0.2, high: 0.3,
    source: 'CAST AI Kubernetes Cost Benchmark 2024: average CPU utilisation 13%; Datadog State of Cloud Costs: most containers use under half their request',
  }),
  cpu_core_hour_price: estimate(0.031611, 0.031611, 0.031611, 'GCP N2 on-demand vCPU list price, us-central1 (used when allot prices gcp has not run)'),
  memory_gib_hour_price: estimate(0.004237, 0.004237, 0.004237, 'GCP N2 on-demand memory list price per GiB, us-central1'),
  toil_hours_per_cluster_month: estimate(8, 16, 40, 'assumption: upgrades, patching, on-call and incident time per self-managed cluster'),
  engineer_hourly_rate: estimate(70, 100, 140, 'assumption: loaded cost of a platform engineer hour'),
  ci_tooling_per_team_month: estimate(100, 300, 800, 'assumption: CI runners, registries, observability a team would buy alone'),
  keep_rate_days: z.number().int().min(1).max(3660).default(90),
});

// Allot: SMTP delivery of team reports. The password is written as ${SMTP_PASSWORD}.
export const SmtpSchema = z.strictObject({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).default(587),
  secure: z.boolean().default(false),
  user: z.string().optional(),
  password: z.string().optional(),
  // With a user, the login needs TLS (implicit with secure, else STARTTLS); this says otherwise, in so many words.
  allow_insecure_auth: z.boolean().default(false),
  from: z.string().min(3),
  reply_to: z.string().optional(),
});

// Allot: scheduled jobs (`allot schedule`, `allot worker`, `allot run`; see jobs/).
// Cron patterns and the monthly day/time are read in `timezone`.
export const ScheduleSourceSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('aws-ce'),
    id: id.optional(), // default: the type; needed when two sources share a type
    billing_account: z.string().min(1).optional(),
    all_tag_keys: z.boolean().default(false),
    endpoint: z.string().min(1).optional(), // else AWS_ENDPOINT_URL_COST_EXPLORER / the SDK default
  }),
  z.strictObject({
    type: z.literal('gcp-bq'),
    id: id.optional(),
    table: z.string().min(1), // project.dataset.table of the Cloud Billing export
    project: z.string().min(1).optional(),
    location: z.string().min(1).optional(),
    resources: z.boolean().default(true),
  }),
]);
const cron = z.string().regex(/^\S+( \S+){4,5}$/, 'must be a cron pattern of 5 or 6 fields, e.g. "0 5 * * *"');
const sourceList = (min: number) => z.array(ScheduleSourceSchema).min(min).superRefine((list, ctx) => {
  const seen = new Set<string>();
  list.forEach((s, i) => {
    const sid = s.id ?? s.type;
    if (seen.has(sid)) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `two sources have id "${sid}": give each an id` });
    seen.add(sid);
  });
});
export const ScheduleSchema = z.strictObject({
  timezone: z
    .string()
    .refine((tz) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    }, 'must be an IANA time zone, e.g. Europe/Paris')
    .default('UTC'),
  collect_k8s: z
    .strictObject({
      every_minutes: z.number().int().positive().refine((m) => 1440 % m === 0, 'must divide a day (1440 minutes): 5, 10, 15, 30, 60...').default(60),
      contexts: z.array(z.union([z.string().min(1), z.strictObject({ context: z.string().min(1), cluster: z.string().min(1).optional() })])).min(1),
    })
    .optional(),
  billing_pulls: z
    .strictObject({
      cron: cron.default('0 5 * * *'),
      previous_month_until_day: z.number().int().min(0).max(28).default(5), // also re-pull last month on days 1..N
      sources: sourceList(1),
    })
    .optional(),
  monthly: z
    .strictObject({
      day: z.number().int().min(1).max(28).default(3),
      time: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24 h)').default('06:00'),
      close: z.boolean().default(false),
      sources: sourceList(0).optional(), // default: billing_pulls.sources
    })
    .optional(),
  alerts: z.strictObject({ cron: cron.default('0 7 * * *') }).optional(), // Allot: budget alerts, daily
  freshness: z
    .strictObject({
      cron: cron.default('0 8 * * 1'),
      max_age_hours: z.number().positive().max(24 * 366, 'must be at most 8784 (a year)').default(48),
    })
    .optional(),
});

// Allot: budget alerts (src/alerts/). Percentages of the budget; amounts in the team's currency.
export const AlertsSchema = z.strictObject({
  thresholds: z.array(z.number().int().min(1).max(1000)).min(1).default([80, 100]),
  // The last N days before today are not final yet (vendors bill late): marked, projected, never read as zero.
  incomplete_days: z.number().int().min(0).max(7).default(2),
  anomaly: z
    .strictObject({
      min_amount: budgetAmount.default('50'), // a day must be at least this much above its typical day
      mads: z.number().min(1).max(100).default(4), // and this many median absolute deviations above the median
      history_days: z.number().int().min(3).max(60).default(14),
    })
    .prefault({}),
});

export const ConfigSchema = z.strictObject({
  cost_metric: z.enum(['EffectiveCost', 'BilledCost', 'ListCost']).default('EffectiveCost'),
  currency_decimals: z.number().int().min(0).max(6).default(2),
  team_tag_keys: z.array(z.string().min(1)).default(['team']),
  namespace_team_labels: z.array(z.string().min(1)).default(['team']),
  unallocated: z
    .strictObject({ cost_center: z.string().min(1), gl_account: z.coerce.string() })
    .default({ cost_center: 'UNALLOCATED', gl_account: '' }),
  teams: z.array(TeamSchema).min(1, 'at least one team is needed'),
  shared_pools: z.array(PoolSchema).default([]),
  clusters: z.array(ClusterSchema).default([]),
  rules: z.array(RuleSchema).default([]),
  value_model: ValueModelSchema.prefault({}),
  capabilities: z.array(CapabilitySchema).optional(), // Allot: see capabilities.ts
  smtp: SmtpSchema.optional(),
  schedule: ScheduleSchema.optional(),
  alerts: AlertsSchema.optional(), // Allot
});

export type Config = z.infer<typeof ConfigSchema>;
export type Team = z.infer<typeof TeamSchema>;
export type Pool = z.infer<typeof PoolSchema>;
export type Cluster = z.infer<typeof ClusterSchema>;
export type Rule = z.infer<typeof RuleSchema>;
export type Match = z.infer<typeof MatchSchema>;
export type Estimate = z.infer<typeof EstimateSchema>;
export type ValueModel = z.infer<typeof ValueModelSchema>;
export type Smtp = z.infer<typeof SmtpSchema>;
export type Schedule = z.infer<typeof ScheduleSchema>;
export type Budget = z.infer<typeof BudgetSchema>;
export type Webhook = z.infer<typeof WebhookSchema>;
export type AlertsConfig = z.infer<typeof AlertsSchema>;
export type ScheduleSource = z.infer<typeof ScheduleSourceSchema>;

/** A reference problem found after the shape is valid: path into the YAML and the message. */
export interface RefIssue {
  path: (string | number)[];
  message: string;
}

/** Cross-references the schema alone cannot check: every name must point at something defined. */
export function checkReferences(cfg: Config): RefIssue[] {
  const issues: RefIssue[] = [];
  const teams = new Set(cfg.teams.map((t) => t.id));
  const pools = new Set(cfg.shared_pools.map((p) => p.id));
  const clusters = new Set(cfg.clusters.map((c) => c.id));

  const dupes = (ids: string[], what: string, at: (i: number) => (string | number)[]) => {
    const seen = new Set<string>();
    ids.forEach((v, i) => {
      if (seen.has(v)) issues.push({ path: at(i), message: `duplicate ${what} "${v}"` });
      seen.add(v);
    });
  };
  dupes(cfg.teams.map((t) => t.id), 'team id', (i) => ['teams', i, 'id']);
  dupes(cfg.shared_pools.map((p) => p.id), 'pool id', (i) => ['shared_pools', i, 'id']);
  dupes(cfg.clusters.map((c) => c.id), 'cluster id', (i) => ['clusters', i, 'id']);
  for (const p of cfg.shared_pools) {
    if (teams.has(p.id)) issues.push({ path: ['shared_pools', cfg.shared_pools.indexOf(p), 'id'], message: `pool id "${p.id}" is also a team id` });
  }

  // A tag value or label maps to one team only: ids and aliases, case-insensitive.
  const owner = new Map<string, string>();
  cfg.teams.forEach((t, ti) => {
    for (const [ai, key] of [t.id, ...t.aliases].entries()) {
      const k = key.toLowerCase();
      const prev = owner.get(k);
      if (prev !== undefined && prev !== t.id) {
        issues.push({ path: ai === 0 ? ['teams', ti, 'id'] : ['teams', ti, 'aliases', ai - 1], message: `"${key}" already names team "${prev}"` });
      }
      owner.set(k, t.id);
    }
  });
  const accountOwner = new Map<string, string>();
  const nsOwner = new Map<string, string>();
  cfg.teams.forEach((t, ti) => {
    t.accounts.forEach((a, ai) => {
      const prev = accountOwner.get(a);
      if (prev !== undefined) issues.push({ path: ['teams', ti, 'accounts', ai], message: `account "${a}" is already owned by team "${prev}"` });
      accountOwner.set(a, t.id);
    });
    t.namespaces.forEach((n, ni) => {
      const prev = nsOwner.get(n);
      if (prev !== undefined) issues.push({ path: ['teams', ti, 'namespaces', ni], message: `namespace "${n}" is already owned by team "${prev}"` });
      nsOwner.set(n, t.id);
    });
  });

  cfg.shared_pools.forEach((p, pi) => {
    if (p.strategy === 'fixed' && (!p.weights || Object.keys(p.weights).length === 0)) {
      issues.push({ path: ['shared_pools', pi, 'strategy'], message: 'strategy "fixed" needs weights' });
    }
    if (p.strategy !== 'fixed' && p.weights) {
      issues.push({ path: ['shared_pools', pi, 'weights'], message: `weights only apply to strategy "fixed", not "${p.strategy}"` });
    }
    for (const team of Object.keys(p.weights ?? {})) {
      if (!teams.has(team)) issues.push({ path: ['shared_pools', pi, 'weights', team], message: `unknown team "${team}"` });
    }
  });
  cfg.clusters.forEach((c, ci) => {
    if (c.system_pool !== undefined && !pools.has(c.system_pool)) {
      issues.push({ path: ['clusters', ci, 'system_pool'], message: `unknown shared pool "${c.system_pool}"` });
    }
    if (c.system_pool === undefined && (c.idle === 'platform' || c.system_namespaces.length > 0)) {
      issues.push({
        path: ['clusters', ci, c.idle === 'platform' ? 'idle' : 'system_namespaces'],
        message: c.idle === 'platform' ? 'idle "platform" needs a system_pool' : 'system_namespaces need a system_pool',
      });
    }
  });
  cfg.rules.forEach((r, ri) => {
    if (r.team !== undefined && !teams.has(r.team)) issues.push({ path: ['rules', ri, 'team'], message: `unknown team "${r.team}"` });
    if (r.shared !== undefined && !pools.has(r.shared)) issues.push({ path: ['rules', ri, 'shared'], message: `unknown shared pool "${r.shared}"` });
    if (r.cluster !== undefined && !clusters.has(r.cluster)) issues.push({ path: ['rules', ri, 'cluster'], message: `unknown cluster "${r.cluster}"` });
  });
  issues.push(...checkCapabilities(cfg.capabilities, { teams, pools, clusters }));
  return issues;
}
