// Deliveries: what a vendor hands over at once, the unit Allot imports (see types.ts).
export { commitDelivery, DuplicatePartError, PartialReplacementError, type CommitDeliveryOptions } from './commit.ts';
export { planDeliveries, type PlanOptions } from './plan.ts';
export { importDeliveries, type FilePartResult, type ImportDeliveryOptions, type ImportedDelivery, type PartContext } from './run.ts';
export type * from './types.ts';
