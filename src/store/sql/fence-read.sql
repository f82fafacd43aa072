-- The newest fencing token that opened the store for writing, and who wrote it.
-- $1 VARCHAR  fence name
-- Returns: token (text), holder
SELECT token::VARCHAR AS token, holder FROM job_fence WHERE name = $1;
