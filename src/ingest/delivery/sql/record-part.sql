-- Records one part of a delivery.
-- $1 delivery_id, $2 part (1-based), $3 import_id, $4 file, $5 sha256, $6 rows_read, $7 bytes,
-- $8 expected_rows, $9 expected_bytes, $10 note
INSERT INTO delivery_parts VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10);
