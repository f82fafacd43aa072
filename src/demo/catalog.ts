// The services the demo organisation buys, as FOCUS would describe them.
// Prices are public on-demand list prices (rounded); only their ratios matter
// to the demo, but realistic magnitudes make the reports believable.

/** How a SKU's daily quantity is drawn (see `qtyExpr` in sql.ts). */
export type QtyMode =
  | 'fixed' // always-on: exactly `lo` units a day (e.g. 24 instance-hours)
  | 'partial' // mostly always-on, a fifth of resources autoscale between 8 and 24 h
  | 'storage' // a per-resource size in [lo, hi] units-month, billed a 1/days share a day
  | 'usage'; // a per-resource level in [lo, hi] a day, with daily noise and weekend dips

/** Where a resource lives decides what it can be (role of the account). */
export type AccountRole = 'platform' | 'security' | 'shared' | 'team' | 'ml' | 'analytics';

export interface Sku {
  key: string; // stable key: SkuId is derived from it
  description: string;
  unit: string; // PricingUnit and ConsumedUnit
  price: string; // ListUnitPrice, exact decimal
  qty: QtyMode;
  lo: number;
  hi: number;
  commit?: 'sp' | 'ri'; // a Savings Plan or Reserved Instance may cover it
}

export interface Kind {
  key: string;
  provider: 'AWS' | 'Google Cloud';
  roles: Partial<Record<AccountRole, number>>; // relative weight per account role
  service: string;
  category: string; // FOCUS ServiceCategory
  resourceType: string | null;
  /** ResourceId template: {region} {acct} {zone} {team} {word} {n} {hex4} {hex16} {hex32} {uuid} {num}. */
  rid: string;
  name: string; // ResourceName template (same placeholders)
  zonal?: boolean; // has an AvailabilityZone
  global?: boolean; // no RegionId (CloudFront)
  skus: Sku[];
}

const ec2 = (type: string, price: string, weight: Partial<Record<AccountRole, number>>): Kind => ({
  key: `ec2-${type}`,
  provider: 'AWS',
  roles: weight,
  service: 'Amazon Elastic Compute Cloud',
  category: 'Compute',
  resourceType: 'instance',
  rid: 'arn:aws:ec2:{region}:{acct}:instance/i-0{hex16}',
  name: '{team}-{word}-{n}',
  zonal: true,
  skus: [{ key: `BoxUsage:${type}`, description: `$${price} per On Demand Linux ${type} Instance Hour`, unit: 'Hours', price, qty: 'partial', lo: 24, hi: 24, commit: 'sp' }],
});

export const KINDS: Kind[] = [
  ec2('m6i.large', '0.096', { shared: 10, team: 10, platform: 8 }),
  ec2('m6i.xlarge', '0.192', { shared: 8, team: 8, platform: 4 }),
  ec2('c6i.2xlarge', '0.34', { shared: 4, team: 4, platform: 6 }),
  ec2('r6i.xlarge', '0.252', { shared: 4, team: 4 }),
  ec2('t3.medium', '0.0416', { shared: 5, team: 5, platform: 3, security: 1 }),
  {
    key: 'ebs-gp3', provider: 'AWS', roles: { shared: 14, team: 14, platform: 8, security: 1 },
    service: 'Amazon Elastic Compute Cloud', category: 'Storage', resourceType: 'volume',
    rid: 'arn:aws:ec2:{region}:{acct}:volume/vol-0{hex16}', name: '{team}-{word}-data-{n}', zonal: true,
    skus: [{ key: 'EBS:VolumeUsage.gp3', description: '$0.08 per GB-month of General Purpose (gp3) provisioned storage', unit: 'GB-Months', price: '0.08', qty: 'storage', lo: 20, hi: 2000 }],
  },
  {
    key: 's3', provider: 'AWS', roles: { shared: 10, team: 10, platform: 6, security: 4 },
    service: 'Amazon Simple Storage Service', category: 'Storage', resourceType: 'bucket',
    rid: 'arn:aws:s3:::acme-{team}-{word}-{hex4}', name: 'acme-{team}-{word}-{hex4}',
    skus: [
      { key: 'TimedStorage-ByteHrs', description: '$0.023 per GB - first 50 TB / month of storage used', unit: 'GB-Months', price: '0.023', qty: 'storage', lo: 50, hi: 20000 },
      { key: 'Requests-Tier1', description: '$0.005 per 1,000 PUT, COPY, POST, or LIST requests', unit: 'Requests', price: '0.000005', qty: 'usage', lo: 1000, hi: 1000000 },
    ],
  },
  {
    key: 'rds-r6g-xlarge', provider: 'AWS', roles: { shared: 4, team: 5 },
    service: 'Amazon Relational Database Service', category: 'Databases', resourceType: 'db',
    rid: 'arn:aws:rds:{region}:{acct}:db:{team}-{word}-{n}', name: '{team}-{word}-{n}',
    skus: [
      { key: 'InstanceUsage:db.r6g.xlarge', description: '$0.48 per RDS db.r6g.xlarge instance hour (or partial hour) running PostgreSQL', unit: 'Hours', price: '0.48', qty: 'fixed', lo: 24, hi: 24, commit: 'ri' },
      { key: 'RDS:GP2-Storage', description: '$0.115 per GB-month of provisioned gp2 storage running PostgreSQL', unit: 'GB-Months', price: '0.115', qty: 'storage', lo: 100, hi: 4000 },
    ],
  },
  {
    key: 'rds-t4g-medium', provider: 'AWS', roles: { shared: 3, team: 3, platform: 2 },
    service: 'Amazon Relational Database Service', category: 'Databases', resourceType: 'db',
    rid: 'arn:aws:rds:{region}:{acct}:db:{team}-{word}-{n}', name: '{team}-{word}-{n}',
    skus: [{ key: 'InstanceUsage:db.t4g.medium', description: '$0.065 per RDS db.t4g.medium instance hour (or partial hour) running PostgreSQL', unit: 'Hours', price: '0.065', qty: 'fixed', lo: 24, hi: 24 }],
  },
  {
    key: 'dynamodb', provider: 'AWS', roles: { shared: 4, team: 4 },
    service: 'Amazon DynamoDB', category: 'Databases', resourceType: 'table',
    rid: 'arn:aws:dynamodb:{region}:{acct}:table/{team}-{word}', name: '{team}-{word}',
    skus: [
      { key: 'WriteRequestUnits', description: '$1.25 per million write request units', unit: 'WriteRequestUnits', price: '0.00000125', qty: 'usage', lo: 10000, hi: 20000000 },
      { key: 'ReadRequestUnits', description: '$0.25 per million read request units', unit: 'ReadRequestUnits', price: '0.00000025', qty: 'usage', lo: 50000, hi: 80000000 },
    ],
  },
  {
    key: 'lambda', provider: 'AWS', roles: { shared: 6, team: 6, platform: 2, security: 2 },
    service: 'AWS Lambda', category: 'Compute', resourceType: 'function',
    rid: 'arn:aws:lambda:{region}:{acct}:function:{team}-{word}', name: '{team}-{word}',
    skus: [{ key: 'Lambda-GB-Second', description: 'AWS Lambda - Total Compute', unit: 'Lambda-GB-Second', price: '0.0000166667', qty: 'usage', lo: 1000, hi: 2000000 }],
  },
  {
    key: 'alb', provider: 'AWS', roles: { shared: 4, team: 4, platform: 2 },
    service: 'Elastic Load Balancing', category: 'Networking', resourceType: 'loadbalancer',
    rid: 'arn:aws:elasticloadbalancing:{region}:{acct}:loadbalancer/app/{team}-{word}/{hex16}', name: '{team}-{word}',
    skus: [
      { key: 'LoadBalancerUsage', description: '$0.0252 per Application LoadBalancer-hour (or partial hour)', unit: 'Hours', price: '0.0252', qty: 'fixed', lo: 24, hi: 24 },
      { key: 'LCUUsage', description: '$0.008 per used Application load balancer capacity unit-hour (or partial hour)', unit: 'LCU-Hours', price: '0.008', qty: 'usage', lo: 10, hi: 1500 },
    ],
  },
  {
    key: 'cloudfront', provider: 'AWS', roles: { shared: 2, team: 2 },
    service: 'Amazon CloudFront', category: 'Networking', resourceType: 'distribution', global: true,
    rid: 'arn:aws:cloudfront::{acct}:distribution/E{HEX13}', name: '{team}-{word}-cdn',
    skus: [{ key: 'DataTransfer-Out-Bytes', description: '$0.085 per GB - first 10 TB / month data transfer out', unit: 'GB', price: '0.085', qty: 'usage', lo: 10, hi: 1500 }],
  },
  {
    key: 'ec2-transfer', provider: 'AWS', roles: { shared: 6, team: 6, platform: 3 },
    service: 'Amazon Elastic Compute Cloud', category: 'Networking', resourceType: 'instance',
    rid: 'arn:aws:ec2:{region}:{acct}:instance/i-0{hex16}', name: '{team}-{word}-{n}',
    skus: [{ key: 'DataTransfer-Out-Bytes', description: '$0.09 per GB - first 10 TB / month data transfer out beyond the global free tier', unit: 'GB', price: '0.09', qty: 'usage', lo: 1, hi: 200 }],
  },
  {
    key: 'cloudwatch-logs', provider: 'AWS', roles: { shared: 5, team: 5, platform: 6, security: 3 },
    service: 'AmazonCloudWatch', category: 'Management and Governance', resourceType: 'log-group',
    rid: 'arn:aws:logs:{region}:{acct}:log-group:/aws/{team}/{word}', name: '/aws/{team}/{word}',
    skus: [{ key: 'DataProcessing-Bytes', description: '$0.50 per GB custom log data ingested', unit: 'GB', price: '0.5', qty: 'usage', lo: 0.5, hi: 60 }],
  },
  {
    key: 'elasticache', provider: 'AWS', roles: { shared: 2, team: 2 },
    service: 'Amazon ElastiCache', category: 'Databases', resourceType: 'cluster',
    rid: 'arn:aws:elasticache:{region}:{acct}:cluster:{team}-{word}-001', name: '{team}-{word}-001',
    skus: [{ key: 'NodeUsage:cache.r6g.large', description: '$0.206 per Cache Node-hour (or partial hour) running Redis on cache.r6g.large', unit: 'Hours', price: '0.206', qty: 'fixed', lo: 24, hi: 24 }],
  },
  {
    key: 'sqs', provider: 'AWS', roles: { shared: 3, team: 3, platform: 1 },
    service: 'Amazon Simple Queue Service', category: 'Integration', resourceType: 'queue',
    rid: 'arn:aws:sqs:{region}:{acct}:{team}-{word}', name: '{team}-{word}',
    skus: [{ key: 'Requests-Tier1', description: '$0.40 per million Amazon SQS standard requests in Tier1', unit: 'Requests', price: '0.0000004', qty: 'usage', lo: 10000, hi: 20000000 }],
  },
  {
    key: 'nat', provider: 'AWS', roles: { platform: 4, shared: 1 },
    service: 'Amazon Virtual Private Cloud', category: 'Networking', resourceType: 'natgateway',
    rid: 'arn:aws:ec2:{region}:{acct}:natgateway/nat-0{hex16}', name: 'nat-{region}-{n}', zonal: true,
    skus: [
      { key: 'NatGateway-Hours', description: '$0.048 per NAT Gateway Hour', unit: 'Hours', price: '0.048', qty: 'fixed', lo: 24, hi: 24 },
      { key: 'NatGateway-Bytes', description: '$0.048 per GB Data Processed by NAT Gateways', unit: 'GB', price: '0.048', qty: 'usage', lo: 10, hi: 2000 },
    ],
  },
  {
    key: 'ecr', provider: 'AWS', roles: { platform: 3 },
    service: 'Amazon EC2 Container Registry (ECR)', category: 'Storage', resourceType: 'repository',
    rid: 'arn:aws:ecr:{region}:{acct}:repository/{word}-{n}', name: '{word}-{n}',
    skus: [{ key: 'TimedStorage-ByteHrs', description: '$0.10 per GB-month of data storage', unit: 'GB-Months', price: '0.1', qty: 'storage', lo: 5, hi: 900 }],
  },
  {
    key: 'guardduty', provider: 'AWS', roles: { security: 6 },
    service: 'Amazon GuardDuty', category: 'Security', resourceType: 'detector',
    rid: 'arn:aws:guardduty:{region}:{acct}:detector/{hex32}', name: 'guardduty-{region}',
    skus: [{ key: 'PaidEventsAnalyzed', description: 'Amazon GuardDuty CloudTrail Management Event Analysis', unit: 'Events', price: '0.000004', qty: 'usage', lo: 1000000, hi: 10000000 }],
  },
  {
    key: 'securityhub', provider: 'AWS', roles: { security: 4 },
    service: 'AWS Security Hub', category: 'Security', resourceType: 'hub',
    rid: 'arn:aws:securityhub:{region}:{acct}:hub/default-{n}', name: 'security-hub-{n}',
    skus: [{ key: 'PaidComplianceCheck', description: '$0.0010 per security check', unit: 'Checks', price: '0.001', qty: 'usage', lo: 1000, hi: 60000 }],
  },
  {
    key: 'cloudtrail', provider: 'AWS', roles: { security: 3 },
    service: 'AWS CloudTrail', category: 'Management and Governance', resourceType: 'trail',
    rid: 'arn:aws:cloudtrail:{region}:{acct}:trail/org-trail-{n}', name: 'org-trail-{n}',
    skus: [{ key: 'PaidEventsRecorded', description: '$2.00 per 100,000 events recorded', unit: 'Events', price: '0.00002', qty: 'usage', lo: 100000, hi: 2000000 }],
  },
  {
    key: 'kms', provider: 'AWS', roles: { security: 3, shared: 1, team: 1 },
    service: 'AWS Key Management Service', category: 'Security', resourceType: 'key',
    rid: 'arn:aws:kms:{region}:{acct}:key/{uuid}', name: '{team}-{word}-key',
    skus: [{ key: 'KMS-Keys', description: '$1 per customer master key (CMK) per month', unit: 'Keys', price: '1', qty: 'storage', lo: 1, hi: 4 }],
  },

  // Google Cloud. A VM bills its cores and its memory on two SKUs of the same resource.
  {
    key: 'gce-n2-standard-4', provider: 'Google Cloud', roles: { shared: 10, team: 10, analytics: 3, ml: 3 },
    service: 'Compute Engine', category: 'Compute', resourceType: 'instance',
    rid: '//compute.googleapis.com/projects/{acct}/zones/{zone}/instances/{team}-{word}-{hex4}', name: '{team}-{word}-{hex4}', zonal: true,
    skus: [
      { key: 'N2-Core', description: 'N2 Instance Core running in Americas', unit: 'Hours', price: '0.031611', qty: 'fixed', lo: 96, hi: 96 },
      { key: 'N2-Ram', description: 'N2 Instance Ram running in Americas', unit: 'GiB-Hours', price: '0.004237', qty: 'fixed', lo: 384, hi: 384 },
    ],
  },
  {
    key: 'gce-e2-standard-2', provider: 'Google Cloud', roles: { shared: 8, team: 8, analytics: 2 },
    service: 'Compute Engine', category: 'Compute', resourceType: 'instance',
    rid: '//compute.googleapis.com/projects/{acct}/zones/{zone}/instances/{team}-{word}-{hex4}', name: '{team}-{word}-{hex4}', zonal: true,
    skus: [
      { key: 'E2-Core', description: 'E2 Instance Core running in Americas', unit: 'Hours', price: '0.021811', qty: 'fixed', lo: 48, hi: 48 },
      { key: 'E2-Ram', description: 'E2 Instance Ram running in Americas', unit: 'GiB-Hours', price: '0.002923', qty: 'fixed', lo: 192, hi: 192 },
    ],
  },
  {
    key: 'pd-balanced', provider: 'Google Cloud', roles: { shared: 10, team: 10, analytics: 3, ml: 4 },
    service: 'Compute Engine', category: 'Storage', resourceType: 'disk',
    rid: '//compute.googleapis.com/projects/{acct}/zones/{zone}/disks/{team}-{word}-{hex4}', name: '{team}-{word}-{hex4}', zonal: true,
    skus: [{ key: 'PD-Balanced', description: 'Balanced PD Capacity', unit: 'GiB-Months', price: '0.1', qty: 'storage', lo: 50, hi: 2000 }],
  },
  {
    key: 'gcs', provider: 'Google Cloud', roles: { shared: 8, team: 8, analytics: 8, ml: 6 },
    service: 'Cloud Storage', category: 'Storage', resourceType: 'bucket',
    rid: '//storage.googleapis.com/projects/_/buckets/acme-{team}-{word}-{hex4}', name: 'acme-{team}-{word}-{hex4}',
    skus: [
      { key: 'GCS-Standard-US', description: 'Standard Storage US Multi-region', unit: 'GiB-Months', price: '0.026', qty: 'storage', lo: 10, hi: 20000 },
      { key: 'GCS-ClassA', description: 'Multi-Region Standard Class A Operations', unit: 'Requests', price: '0.00001', qty: 'usage', lo: 1000, hi: 500000 },
    ],
  },
  {
    key: 'cloudsql', provider: 'Google Cloud', roles: { shared: 4, team: 4, analytics: 1 },
    service: 'Cloud SQL', category: 'Databases', resourceType: 'instance',
    rid: '//cloudsql.googleapis.com/projects/{acct}/instances/{team}-{word}', name: '{team}-{word}',
    skus: [
      { key: 'SQL-PG-vCPU', description: 'Cloud SQL for PostgreSQL: Zonal - vCPU in Americas', unit: 'Hours', price: '0.0413', qty: 'fixed', lo: 96, hi: 96 },
      { key: 'SQL-PG-RAM', description: 'Cloud SQL for PostgreSQL: Zonal - RAM in Americas', unit: 'GiB-Hours', price: '0.007', qty: 'fixed', lo: 384, hi: 384 },
    ],
  },
  {
    key: 'bigquery', provider: 'Google Cloud', roles: { analytics: 20, shared: 2, team: 2, ml: 2 },
    service: 'BigQuery', category: 'Analytics', resourceType: 'dataset',
    rid: '//bigquery.googleapis.com/projects/{acct}/datasets/{team}_{word}', name: '{team}_{word}',
    skus: [
      { key: 'BQ-Analysis', description: 'Analysis (on-demand)', unit: 'TiB', price: '6.25', qty: 'usage', lo: 0.01, hi: 6 },
      { key: 'BQ-Active-Storage', description: 'Active Logical Storage', unit: 'GiB-Months', price: '0.02', qty: 'storage', lo: 100, hi: 60000 },
    ],
  },
  {
    key: 'pubsub', provider: 'Google Cloud', roles: { shared: 3, team: 3, analytics: 4 },
    service: 'Cloud Pub/Sub', category: 'Integration', resourceType: 'topic',
    rid: '//pubsub.googleapis.com/projects/{acct}/topics/{team}-{word}', name: '{team}-{word}',
    skus: [{ key: 'PubSub-Delivery', description: 'Message Delivery Basic', unit: 'GiB', price: '0.0390625', qty: 'usage', lo: 0.1, hi: 150 }],
  },
  {
    key: 'dataflow', provider: 'Google Cloud', roles: { analytics: 8, team: 1 },
    service: 'Dataflow', category: 'Analytics', resourceType: 'job',
    rid: '//dataflow.googleapis.com/projects/{acct}/locations/{region}/jobs/{team}-{word}-{n}', name: '{team}-{word}-{n}',
    skus: [{ key: 'Dataflow-Batch-vCPU', description: 'Dataflow Batch vCPU Time', unit: 'Hours', price: '0.056', qty: 'usage', lo: 4, hi: 400 }],
  },
  {
    key: 'vertex-training', provider: 'Google Cloud', roles: { ml: 10 },
    service: 'Vertex AI', category: 'AI and Machine Learning', resourceType: 'customJob',
    rid: '//aiplatform.googleapis.com/projects/{acct}/locations/{region}/customJobs/{num}', name: '{team}-{word}-training',
    skus: [{ key: 'Vertex-A100-Training', description: 'Vertex AI: Custom model training on Nvidia A100 GPU in Americas', unit: 'Hours', price: '3.37', qty: 'usage', lo: 1, hi: 16 }],
  },
  {
    key: 'gce-a2-gpu', provider: 'Google Cloud', roles: { ml: 6 },
    service: 'Compute Engine', category: 'Compute', resourceType: 'instance',
    rid: '//compute.googleapis.com/projects/{acct}/zones/{zone}/instances/{team}-{word}-gpu-{hex4}', name: '{team}-{word}-gpu-{hex4}', zonal: true,
    skus: [{ key: 'A100-GPU', description: 'Nvidia Tesla A100 GPU running in Americas', unit: 'Hours', price: '2.933908', qty: 'partial', lo: 24, hi: 24 }],
  },
  {
    key: 'gcp-egress', provider: 'Google Cloud', roles: { shared: 4, team: 4, analytics: 1 },
    service: 'Networking', category: 'Networking', resourceType: 'instance',
    rid: '//compute.googleapis.com/projects/{acct}/zones/{zone}/instances/{team}-{word}-{hex4}', name: '{team}-{word}-{hex4}',
    skus: [{ key: 'Egress-Americas', description: 'Network Internet Data Transfer Out from Americas to Americas', unit: 'GiB', price: '0.12', qty: 'usage', lo: 1, hi: 150 }],
  },
  {
    key: 'gcp-logging', provider: 'Google Cloud', roles: { shared: 3, team: 3, analytics: 2, ml: 1 },
    service: 'Cloud Logging', category: 'Management and Governance', resourceType: 'log',
    rid: '//logging.googleapis.com/projects/{acct}/logs/{team}-{word}', name: '{team}-{word}',
    skus: [{ key: 'Log-Volume', description: 'Log Volume', unit: 'GiB', price: '0.5', qty: 'usage', lo: 0.1, hi: 20 }],
  },
  {
    key: 'scc', provider: 'Google Cloud', roles: { shared: 1 },
    service: 'Security Command Center', category: 'Security', resourceType: null,
    rid: '//securitycenter.googleapis.com/projects/{acct}/sources/{num}', name: 'scc-premium-{n}',
    skus: [{ key: 'SCC-Premium', description: 'Security Command Center Premium tier', unit: 'Hours', price: '0.42', qty: 'fixed', lo: 24, hi: 24 }],
  },
];

/** Words used to name resources and workloads. */
export const WORDS = [
  'api', 'ledger', 'orders', 'sessions', 'events', 'gateway', 'worker', 'cache', 'reports', 'exports',
  'images', 'indexer', 'scheduler', 'profiles', 'inventory', 'pricing', 'feeds', 'queue', 'archive', 'assets',
  'backup', 'audit', 'sync', 'ingest', 'rollup', 'search', 'graph', 'stream', 'jobs', 'web',
];

/** A stable AWS-looking SkuId (16 upper-case base32 characters) for a SKU key. */
export function awsSkuId(key: string): string {
  return base32(fnv(key), 16);
}

/** A stable Google-looking SKU id (XXXX-XXXX-XXXX, hex) for a SKU key. */
export function gcpSkuId(key: string): string {
  const h = base16(fnv(key), 12).toUpperCase();
  return `${h.slice(0, 4)}-${h.slice(4, 8)}-${h.slice(8, 12)}`;
}

function fnv(s: string): bigint {
  // 64-bit FNV-1a: small, stable, and independent of the seed (SKU ids are catalogue facts).
  let h = 0xcbf29ce484222325n;
  for (const ch of Buffer.from(s, 'utf8')) {
    h ^= BigInt(ch);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h;
}

function base32(h: bigint, len: number): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  let out = '';
  let x = h;
  for (let i = 0; i < len; i++) {
    out += alphabet[Number(x & 31n)];
    x = (x >> 5n) | ((x & 31n) << 59n); // rotate so 16 characters never run out of bits
  }
  return out;
}

function base16(h: bigint, len: number): string {
  return h.toString(16).padStart(16, '0').slice(0, len);
}
