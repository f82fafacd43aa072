/*
 * A delivery is what a vendor hands over at once, and the unit Allot imports:
 * the parts of one export run (listed by its manifest), the files given to one
 * `allot ingest` command, or one API pull. See ./commit.ts for how a delivery
 * relates to earlier ones.
 */

/** How the files were laid out: which vendor's delivery convention, or none. */
export type DeliveryLayout = 'aws-data-exports' | 'aws-cur-manifest' | 'azure-export' | 'oci-focus' | 'files' | 'api';

/**
 * `restate`: the delivery holds the whole billing period of its export and
 * replaces the earlier delivery of that export (AWS, Azure, CUR, API pulls).
 * `append`: it adds rows to what is there (Oracle's FOCUS reports, `--append`).
 */
export type DeliveryMode = 'restate' | 'append';

/** One file a delivery is made of, and what its manifest says of it. */
export interface PlannedPart {
  file: string;
  expectedRows?: number;
  expectedBytes?: number;
}

/** What to import as one delivery, before anything is read. */
export interface DeliveryPlan {
  source: string;
  layout: DeliveryLayout;
  /** Which export this is a delivery of; `files` for loose files, which carry no identity. */
  exportKey: string;
  mode: DeliveryMode;
  /** The manifest that listed the parts, if any. */
  manifest?: string;
  manifestSha256?: string;
  /** The vendor's id of this run: AWS executionId, CUR assemblyId, Azure runId. */
  ref?: string;
  /** Billing periods (YYYY-MM) the manifest says it covers. */
  billingPeriods?: string[];
  /** When the vendor wrote it (ISO 8601), from the manifest. */
  deliveredAt?: string;
  parts: PlannedPart[];
}

/** One part as imported: a new import, an earlier import with the same content, or a duplicate counted once. */
export interface DeliveredPart {
  file: string;
  /** The import that holds its rows; null for a duplicate of another part. */
  importId: number | null;
  /** True when this delivery wrote the import; false when an earlier import of the same content stands in. */
  fresh: boolean;
  sha256: string | null;
  rowsRead: number;
  rowsLoaded: number;
  rowsRejected: number;
  bytes?: number;
  expectedRows?: number;
  expectedBytes?: number;
  /** For a duplicate or a re-used import: what it is the same as. */
  note?: string;
}

/** Rows, charge days, sub-accounts and BilledCost per currency of a billing account's period. */
export interface Coverage {
  rows: number;
  charge_days: number;
  sub_accounts: number;
  billed_cost: { currency: string; amount: string }[];
}

/** What a delivery did to one (billing account, billing period). */
export interface ScopeChange {
  billing_account_id: string;
  billing_period: string;
  /** The current rows it replaced (null: it replaced nothing here). */
  before: Coverage | null;
  after: Coverage;
  /** Deliveries whose rows it replaced here. */
  replaced_deliveries: number[];
}

export interface DeliveryResult {
  deliveryId: number;
  /** `noop`: every part was already imported and current; nothing changed. */
  status: 'active' | 'noop';
  source: string;
  layout: DeliveryLayout;
  exportKey: string;
  mode: DeliveryMode;
  manifest: string | null;
  ref: string | null;
  parts: DeliveredPart[];
  rowsLoaded: number;
  changes: ScopeChange[];
  /** Deliveries it replaced, wholly or in part. */
  replaced: number[];
  note: string | null;
}
