-- After a delivery, a delivery is active while it is the current delivery of
-- an active import; only those listing an import the delivery touched are revisited.
-- $1 INTEGER  the delivery id
-- Reads: dlv_touched, import_current_delivery, imports, delivery_parts.
UPDATE deliveries SET
  status = CASE WHEN delivery_id IN (SELECT c.delivery_id FROM import_current_delivery c JOIN imports i USING (import_id) WHERE i.status = 'active')
                THEN 'active' ELSE 'superseded' END,
  superseded_by = CASE WHEN delivery_id IN (SELECT c.delivery_id FROM import_current_delivery c JOIN imports i USING (import_id) WHERE i.status = 'active')
                       THEN NULL ELSE $1 END
WHERE status <> 'noop' AND delivery_id <> $1
  AND delivery_id IN (SELECT delivery_id FROM delivery_parts WHERE import_id IN (SELECT import_id FROM dlv_touched));
