-- Records the delivery.
-- $1 delivery_id, $2 source, $3 layout, $4 export_key, $5 mode, $6 manifest, $7 manifest_sha256, $8 ref,
-- $9 parts, $10 rows_loaded, $11 status, $12 changes (JSON), $13 note, $14 delivered_at, $15 imported_at
INSERT INTO deliveries VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, NULL, $12::JSON, $13, $14::TIMESTAMP, $15::TIMESTAMP);
