// Kubernetes usage snapshots: `allot ingest k8s --snapshots FILE...`, and the
// path the live collector and the Prometheus backfill write through.
export { validateSnapshot, timestampMicros, formatMicros, coresToMicros } from './snapshot.ts';
export type { Snapshot, SnapshotNode, SnapshotNamespace, SnapshotPod } from './snapshot.ts';
export { commitSnapshots, importSnapshotItems } from './commit.ts';
export type { SnapshotImportResult, SnapshotImportMeta, SnapshotCoverage, SnapshotItem } from './commit.ts';
export { ingestSnapshotFiles, ingestSnapshotFile } from './files.ts';
export type { IngestSnapshotOptions } from './files.ts';
