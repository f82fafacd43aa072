-- The period's snapshot sums as an earlier run computed them from the same snapshots.
-- Reads: input_capacity, input_ns_usage, input_fingerprints. Writes: capacity, ns_usage.

CREATE OR REPLACE TEMP TABLE capacity AS
SELECT c.* EXCLUDE (period, fingerprint)
FROM input_capacity c JOIN input_fingerprints f ON c.period = f.period AND c.fingerprint = f.snapshots;

CREATE OR REPLACE TEMP TABLE ns_usage AS
SELECT u.* EXCLUDE (period, fingerprint)
FROM input_ns_usage u JOIN input_fingerprints f ON u.period = f.period AND u.fingerprint = f.snapshots;
