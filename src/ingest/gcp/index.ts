export { GCP_BQ_SOURCE, defaultBigQueryClient, pullGcpBilling, type GcpPullOptions, type GcpPullResult } from './billing.ts';
export { GcpApiError, GcpResponseError } from './errors.ts';
export { parseTable, type TableRef } from './export-sql.ts';
export {
  COMPUTE_ENGINE_SERVICE,
  DEFAULT_CATALOG_RETRY,
  classifySku,
  defaultCatalogClient,
  fetchGcpPrices,
  type CatalogRetry,
  type GcpPriceOptions,
  type GcpPriceResult,
  type ListPrice,
} from './prices.ts';
