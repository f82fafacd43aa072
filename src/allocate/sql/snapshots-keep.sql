-- Keeps the period's snapshot sums for the next run (one set per period).
-- Reads: capacity, ns_usage, input_fingerprints. Writes: input_capacity, input_ns_usage, input_kept.

DELETE FROM input_capacity WHERE period = (SELECT period FROM input_fingerprints);
INSERT INTO input_capacity SELECT f.period, f.snapshots, c.* FROM capacity c, input_fingerprints f;
DELETE FROM input_ns_usage WHERE period = (SELECT period FROM input_fingerprints);
INSERT INTO input_ns_usage SELECT f.period, f.snapshots, u.* FROM ns_usage u, input_fingerprints f;
DELETE FROM input_kept WHERE period = (SELECT period FROM input_fingerprints) AND kind = 'snapshots';
INSERT INTO input_kept SELECT period, 'snapshots', snapshots FROM input_fingerprints;
