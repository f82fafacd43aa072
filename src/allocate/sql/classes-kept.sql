-- The period's classes as an earlier run summed them from the same rows.
-- Reads: input_classes, input_fingerprints. Writes: period_classes.

CREATE OR REPLACE TEMP TABLE period_classes AS
SELECT c.* EXCLUDE (period, fingerprint)
FROM input_classes c JOIN input_fingerprints f ON c.period = f.period AND c.fingerprint = f.line_items;
