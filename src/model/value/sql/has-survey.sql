-- Whether the store has the survey tables (migration 014).
-- Returns: n (INTEGER; 0 when absent).
SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE table_name = 'survey_nps';
