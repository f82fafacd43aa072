import { z } from 'zod';

// Allot: platform capabilities (`capabilities:`), what the value report
// measures one by one. Kept apart from schema.ts, which imports it.

const id = z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/, 'must be lower-case letters, digits, ".", "_" or "-"');
const globs = z.array(z.string().min(1)).min(1);

/**
 * What counts as using a capability: every key given must match (each key is
 * a list of `*` globs, any of which may match); the entries of `usage` are
 * alternatives. Matched against the attributed rows and their lineage:
 * clusters and namespaces against Kubernetes charges (a team's own, and what
 * system namespaces and idle sent to a pool), shared_pools against the pool a
 * charge came through, services against the row's service, accounts and tags
 * against the line items behind direct and pooled charges.
 */
export const UsageMatchSchema = z
  .strictObject({
    clusters: globs.optional(),
    namespaces: globs.optional(),
    shared_pools: globs.optional(),
    services: globs.optional(),
    accounts: z.array(z.coerce.string().min(1)).min(1).optional(),
    tags: z.record(z.string(), z.string()).optional(),
  })
  .refine((m) => Object.values(m).some((v) => v !== undefined), 'a usage entry needs at least one key');

const figure = z.number().min(0).max(1e9, 'must be at most 1,000,000,000');

/** One self-managed cost item of a capability other than Kubernetes. */
export const CounterfactualItemSchema = z
  .strictObject({
    name: z.string().min(1),
    // team_month: an amount per using team and month; engineer_hours: hours per
    // team and month, times value_model.engineer_hourly_rate; spend_ratio: a
    // multiple of what the team paid through the capability that month.
    per: z.enum(['team_month', 'engineer_hours', 'spend_ratio']),
    low: figure,
    base: figure,
    high: figure,
    source: z.string().min(1),
  })
  .refine((e) => e.low <= e.base && e.base <= e.high, 'needs low <= base <= high');

export const CounterfactualSchema = z.discriminatedUnion('model', [
  // The value_model's Kubernetes model: capacity at list price ÷ self-managed utilisation, control plane, toil, CI.
  z.strictObject({ model: z.literal('kubernetes'), include_ci_tooling: z.boolean().default(true) }),
  z.strictObject({ model: z.literal('items'), items: z.array(CounterfactualItemSchema).min(1) }),
]);

export const CapabilitySchema = z.strictObject({
  id,
  name: z.string().min(1),
  usage: z.array(UsageMatchSchema).min(1),
  /** Team ids; default: every configured team. */
  eligible_teams: z.array(z.string().min(1)).optional(),
  self_managed: CounterfactualSchema,
});

export type Capability = z.infer<typeof CapabilitySchema>;
export type UsageMatch = z.infer<typeof UsageMatchSchema>;
export type CounterfactualItem = z.infer<typeof CounterfactualItemSchema>;

interface Refs {
  teams: Set<string>;
  pools: Set<string>;
  clusters: Set<string>;
}

/** Cross-references of `capabilities:` (paths into the YAML, messages). */
export function checkCapabilities(caps: Capability[] | undefined, refs: Refs): { path: (string | number)[]; message: string }[] {
  const issues: { path: (string | number)[]; message: string }[] = [];
  const seen = new Set<string>();
  (caps ?? []).forEach((c, ci) => {
    if (seen.has(c.id)) issues.push({ path: ['capabilities', ci, 'id'], message: `duplicate capability id "${c.id}"` });
    seen.add(c.id);
    c.eligible_teams?.forEach((t, ti) => {
      if (!refs.teams.has(t)) issues.push({ path: ['capabilities', ci, 'eligible_teams', ti], message: `unknown team "${t}"` });
    });
    c.usage.forEach((u, ui) => {
      // A name without a glob must name something configured: a typo would match nothing, silently.
      for (const [key, known] of [['clusters', refs.clusters], ['shared_pools', refs.pools]] as const) {
        u[key]?.forEach((v, vi) => {
          if (!v.includes('*') && !known.has(v)) {
            issues.push({ path: ['capabilities', ci, 'usage', ui, key, vi], message: `unknown ${key === 'clusters' ? 'cluster' : 'shared pool'} "${v}"` });
          }
        });
      }
    });
  });
  return issues;
}

/**
 * The capabilities a report measures: the configured ones, else one
 * Kubernetes capability over every configured cluster (none without clusters),
 * so configurations written before `capabilities:` keep working.
 */
export function resolveCapabilities(cfg: { capabilities?: Capability[] | undefined; clusters: { id: string }[] }): { capabilities: Capability[]; derived: boolean } {
  if (cfg.capabilities) return { capabilities: cfg.capabilities, derived: false };
  if (cfg.clusters.length === 0) return { capabilities: [], derived: true };
  return {
    capabilities: [{
      id: 'kubernetes',
      name: 'Kubernetes',
      usage: [{ clusters: cfg.clusters.map((c) => c.id) }],
      self_managed: { model: 'kubernetes', include_ci_tooling: true },
    }],
    derived: true,
  };
}
