// Defaults of the collector, apart from the client library so the CLI can show them without loading it.

/** Seconds one snapshot stands for, unless asked otherwise. */
export const DEFAULT_WINDOW_SECONDS = 3600;
/** Items per list page (`limit`). */
export const DEFAULT_PAGE_SIZE = 500;

/** `imports.source` of collected snapshots. */
export const K8S_COLLECT_SOURCE = 'k8s-collect';
