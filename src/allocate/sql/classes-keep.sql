-- Keeps the period's classes for the next run (one set per period).
-- Reads: period_classes, input_fingerprints. Writes: input_classes, input_kept.

DELETE FROM input_classes WHERE period = (SELECT period FROM input_fingerprints);
INSERT INTO input_classes SELECT f.period, f.line_items, c.* FROM period_classes c, input_fingerprints f;
DELETE FROM input_kept WHERE period = (SELECT period FROM input_fingerprints) AND kind = 'classes';
INSERT INTO input_kept SELECT period, 'classes', line_items FROM input_fingerprints;
