// Line items: views over resources x days, priced in DECIMAL.

import type { DuckDBConnection } from '@duckdb/node-api';
import { focusSelect } from '../focus.ts';
import { unitPrices } from './resources.ts';
import { lit } from './sql.ts';

export async function buildLineItemViews(conn: DuckDBConnection, currency: string): Promise<void> {
  const qty = `round(CASE rs.mode
      WHEN 'fixed' THEN rs.level
      WHEN 'partial' THEN CASE WHEN rs.auto THEN 8 + floor(17 * uu(rs.r, d.di, rs.j, 'hrs')) ELSE rs.level END
      WHEN 'storage' THEN rs.level * (1 + 0.02 * d.m) / d.ndays
      ELSE rs.level * (0.75 + 0.5 * uu(rs.r, d.di, rs.j, 'noise')) * (1 + 0.015 * d.m) * CASE WHEN d.weekend THEN 0.8 ELSE 1 END
    END, 3)`;
  await conn.run(`CREATE VIEW li_src AS
    SELECT 0 AS src, rs.r AS k1, rs.j, rs.provider, d.m, d.day_start, rs.sub_account_id, rs.sub_account_name, rs.region_id, rs.region_name, rs.zone,
      rs.service, rs.category, rs.rtype, rs.resource_id, rs.resource_name, rs.tags, rs.sku_id, rs.sku_price_id, rs.descr, rs.unit, rs.price,
      rs.cup, rs.eff_price, ${qty}::DECIMAL(18,3) AS qty, rs.cover
    FROM res_sku rs JOIN p_days d ON d.m = rs.m
    UNION ALL
    SELECT 1, n.c * 1000000 + n.n, cs.j, cl.provider, d.m, d.day_start, cl.acct, cl.acct_name, cl.region_id, cl.region_name, n.zone,
      cs.service, cs.category, cs.rtype, n.resource_id, n.name, cl.node_tags, cs.sku_id, cs.sku_price_id, cs.descr, cs.unit, cs.price,
      ${unitPrices('cs.price', "CASE WHEN cs.commit = 'sp' AND n.cover_sp THEN 'sp' END")},
      cs.qty, CASE WHEN cs.commit = 'sp' AND n.cover_sp THEN 'sp' END
    FROM nodes n JOIN p_days d ON d.m = n.m JOIN p_clusters cl ON cl.c = n.c JOIN p_cluster_skus cs ON cs.c = n.c
    JOIN p_providers pv ON pv.provider = cl.provider
    UNION ALL
    SELECT 2, cl.c, 0, cl.provider, d.m, d.day_start, cl.acct, cl.acct_name, cl.region_id, cl.region_name, NULL,
      CASE WHEN cl.provider = 'AWS' THEN 'Amazon Elastic Kubernetes Service' ELSE 'Kubernetes Engine' END, 'Compute', 'cluster',
      cl.fee_rid, cl.cluster_id, cl.fee_tags,
      CASE WHEN cl.provider = 'AWS' THEN 'AmazonEKS-Hours:perCluster' ELSE 'B561-BFBD-1264' END,
      CASE WHEN cl.provider = 'AWS' THEN 'AmazonEKS-Hours:perCluster.JRTCKXETXF.6YS6EN2CT7' ELSE 'B561-BFBD-1264' END,
      CASE WHEN cl.provider = 'AWS' THEN '$0.10 per hour per Amazon EKS cluster' ELSE 'Regional Kubernetes Clusters' END,
      'Hours', 0.10::DECIMAL(18,10), ${unitPrices('0.10::DECIMAL(18,10)', 'NULL')}, 24::DECIMAL(18,3), NULL
    FROM p_clusters cl JOIN p_providers pv ON pv.provider = cl.provider, p_days d`);

  // Costs: list, contracted (negotiated), billed (0 when a commitment covers it), effective (amortised).
  await conn.run(`CREATE VIEW li_cost AS
    SELECT s.*, pv.bill_id, pv.bill_name, pv.issuer, pv.publisher,
      (s.qty * s.price)::DECIMAL(38,10) AS list_cost,
      (s.qty * s.cup)::DECIMAL(38,10) AS contracted_cost,
      CASE WHEN s.cover IS NULL THEN contracted_cost ELSE 0 END::DECIMAL(38,10) AS billed,
      (s.qty * s.eff_price)::DECIMAL(38,10) AS effective
    FROM li_src s JOIN p_providers pv USING (provider)`);

  await conn.run(`CREATE VIEW li_focus AS SELECT
  ${focusSelect({
    AvailabilityZone: 'c.zone',
    BilledCost: 'c.billed',
    BillingAccountId: 'c.bill_id',
    BillingAccountName: 'c.bill_name',
    BillingCurrency: lit(currency),
    BillingPeriodEnd: 'mo.mnext',
    BillingPeriodStart: 'mo.mstart',
    ChargeCategory: "'Usage'",
    ChargeDescription: 'c.descr',
    ChargeFrequency: "'Usage-Based'",
    ChargePeriodEnd: 'c.day_start + INTERVAL 1 DAY',
    ChargePeriodStart: 'c.day_start',
    CommitmentDiscountCategory: "CASE c.cover WHEN 'sp' THEN 'Spend' WHEN 'ri' THEN 'Usage' END",
    CommitmentDiscountId: 'CASE c.cover WHEN \'sp\' THEN k.sp_id WHEN \'ri\' THEN k.ri_id END',
    CommitmentDiscountName: "CASE c.cover WHEN 'sp' THEN 'Compute Savings Plan (1 year, No Upfront)' WHEN 'ri' THEN 'RDS db.r6g.xlarge reservation (1 year, All Upfront)' END",
    CommitmentDiscountStatus: "CASE WHEN c.cover IS NOT NULL THEN 'Used' END",
    CommitmentDiscountType: "CASE c.cover WHEN 'sp' THEN 'Savings Plan' WHEN 'ri' THEN 'Reserved Instance' END",
    ConsumedQuantity: 'c.qty',
    ConsumedUnit: 'c.unit',
    ContractedCost: 'c.contracted_cost',
    ContractedUnitPrice: 'c.cup',
    EffectiveCost: 'c.effective',
    InvoiceIssuerName: 'c.issuer',
    ListCost: 'c.list_cost',
    ListUnitPrice: 'c.price',
    PricingCategory: "CASE WHEN c.cover IS NOT NULL THEN 'Committed' ELSE 'Standard' END",
    PricingQuantity: 'c.qty',
    PricingUnit: 'c.unit',
    ProviderName: 'c.provider',
    PublisherName: 'c.publisher',
    RegionId: 'c.region_id',
    RegionName: 'c.region_name',
    ResourceId: 'c.resource_id',
    ResourceName: 'c.resource_name',
    ResourceType: 'c.rtype',
    ServiceCategory: 'c.category',
    ServiceName: 'c.service',
    SkuId: 'c.sku_id',
    SkuPriceId: 'c.sku_price_id',
    SubAccountId: 'c.sub_account_id',
    SubAccountName: 'c.sub_account_name',
    Tags: 'c.tags',
  }, { _m: 'c.m', _src: 'c.src', _k1: 'c.k1', _j: 'c.j' })}
  FROM li_cost c JOIN p_months mo USING (m) CROSS JOIN p_commit k`);
}
