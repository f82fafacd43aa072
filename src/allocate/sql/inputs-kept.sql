-- Whether what does not depend on the rules was kept from an earlier run of
-- the same inputs: the classes' sums, and the clusters' usage.
-- Reads: input_kept, input_fingerprints.
-- Returns: classes, snapshots (BOOLEAN).
SELECT EXISTS (SELECT 1 FROM input_kept k, input_fingerprints f WHERE k.period = f.period AND k.kind = 'classes' AND k.fingerprint = f.line_items) AS classes,
       EXISTS (SELECT 1 FROM input_kept k, input_fingerprints f WHERE k.period = f.period AND k.kind = 'snapshots' AND k.fingerprint = f.snapshots) AS snapshots;
