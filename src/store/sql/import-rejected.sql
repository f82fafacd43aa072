-- Sets how many rows of an import were rejected (counted after its rows were written).
-- $1 INTEGER import id  $2 rows rejected
-- Returns: nothing
UPDATE imports SET rows_rejected = $2 WHERE import_id = $1;
