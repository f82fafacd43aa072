-- A table's columns in order, to hold the snapshot writer's appenders against.
-- $1 VARCHAR  table name
-- Returns: column_name.
SELECT column_name FROM duckdb_columns()
WHERE database_name = current_database() AND schema_name = 'main' AND table_name = $1
ORDER BY column_index;
