// A Backstage Cost Insights client backed by `allot serve`: implements the
// plugin's CostInsightsApi against the /v1/cost-insights endpoints. It imports
// nothing of Allot and nothing of Node (only fetch), so a Backstage app can
// copy or import it as it is (README "Read API and Backstage").
import type { Cost, Entity, Group, MetricData, Project } from '@backstage/plugin-cost-insights-common';

/**
 * The plugin's Alert, as far as data goes (its own type also allows React
 * elements and forms). Allot's are plain text: the title and a subtitle that
 * ends with the `allot explain` command to look closer; no url, and no status
 * (Allot keeps no snooze or dismissal, so each shows as active).
 */
export interface Alert {
  title: string;
  subtitle: string;
  url?: string;
  buttonText?: string;
}

export interface AllotCostInsightsClientOptions {
  /** Where `allot serve` answers, e.g. "https://allot.internal" or a Backstage proxy path. */
  baseUrl: string;
  /** The bearer token, or a function that returns it; leave out when a proxy adds it. */
  token?: string | (() => Promise<string>);
  fetch?: typeof fetch;
}

/** An answer of `allot serve` that was not a 2xx: its status and one-line reason. */
export class AllotApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = 'AllotApiError';
  }
}

export class AllotCostInsightsClient {
  private readonly baseUrl: string;
  private readonly fetchFn: typeof fetch;

  constructor(private readonly o: AllotCostInsightsClientOptions) {
    this.baseUrl = o.baseUrl.replace(/\/+$/, '');
    this.fetchFn = o.fetch ?? ((input, init) => fetch(input, init));
  }

  private async get<T>(path: string, query: Record<string, string> = {}): Promise<T> {
    const qs = new URLSearchParams(query).toString();
    const headers: Record<string, string> = { accept: 'application/json' };
    const token = typeof this.o.token === 'function' ? await this.o.token() : this.o.token;
    if (token) headers.authorization = `Bearer ${token}`;
    const res = await this.fetchFn(`${this.baseUrl}${path}${qs ? `?${qs}` : ''}`, { headers });
    const body = (await res.json().catch(() => undefined)) as { error?: string } | undefined;
    if (!res.ok) throw new AllotApiError(res.status, body?.error ?? `HTTP ${res.status} from ${path}`);
    return body as T;
  }

  async getLastCompleteBillingDate(): Promise<string> {
    return (await this.get<{ date: string }>('/v1/cost-insights/last-complete-billing-date')).date;
  }

  getUserGroups(userId: string): Promise<Group[]> {
    return this.get('/v1/cost-insights/user-groups', { userId });
  }

  getGroupProjects(group: string): Promise<Project[]> {
    return this.get(`/v1/cost-insights/groups/${encodeURIComponent(group)}/projects`);
  }

  getCatalogEntityDailyCost(catalogEntityRef: string, intervals: string): Promise<Cost> {
    return this.get('/v1/cost-insights/catalog-entity-daily-cost', { entityRef: catalogEntityRef, intervals });
  }

  getGroupDailyCost(group: string, intervals: string): Promise<Cost> {
    return this.get(`/v1/cost-insights/groups/${encodeURIComponent(group)}/daily-cost`, { intervals });
  }

  getProjectDailyCost(project: string, intervals: string): Promise<Cost> {
    return this.get(`/v1/cost-insights/projects/${encodeURIComponent(project)}/daily-cost`, { intervals });
  }

  getDailyMetricData(metric: string): Promise<MetricData> {
    // Allot has costs, not business metrics: configure no metrics in app-config.yaml.
    return Promise.reject(new AllotApiError(404, `Allot has no business metrics ("${metric}"): configure no costInsights.metrics`));
  }

  getProductInsights(options: { product: string }): Promise<Entity> {
    // Products are not broken down by Allot: configure no costInsights.products.
    return Promise.reject(new AllotApiError(404, `Allot has no product insights ("${options.product}"): configure no costInsights.products`));
  }

  getAlerts(group: string): Promise<Alert[]> {
    return this.get(`/v1/cost-insights/groups/${encodeURIComponent(group)}/alerts`);
  }
}
