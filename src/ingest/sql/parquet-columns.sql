-- A Parquet file's columns, in file order, with the types DuckDB reads them as.
-- $1 VARCHAR the file
-- Returns: name, type
SELECT column_name AS name, column_type AS type FROM (DESCRIBE SELECT * FROM read_parquet($1));
