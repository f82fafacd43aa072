-- No parameters. Macros for reading a snapshot file with DuckDB (fast.ts), each
-- the SQL twin of a rule in snapshot.ts. DuckDB's JSON reader converts where
-- JSON.parse plus the schema refuses (a string "5" read as DOUBLE is 5, a
-- number read as VARCHAR is its text), so numbers are read as JSON text and
-- strings are checked for being what a number, boolean, object or array
-- becomes as text.

-- A JSON number's text as the DOUBLE JSON.parse gives; NULL for a string, boolean, object or array.
CREATE OR REPLACE TEMP MACRO k8s_number(j) AS
  CASE WHEN ascii(j::VARCHAR) BETWEEN 48 AND 57 OR ascii(j::VARCHAR) = 45 THEN TRY_CAST(j::VARCHAR AS DOUBLE) END;

-- Cores: a non-negative number below 1e9 (MAX_CORES).
CREATE OR REPLACE TEMP MACRO k8s_cores_ok(n) AS coalesce(n >= 0 AND n < 1e9, false);

-- Bytes: a non-negative integer of at most 2^53-1 (zod's int()).
CREATE OR REPLACE TEMP MACRO k8s_bytes_ok(n) AS coalesce(n >= 0 AND n <= 9007199254740991 AND n = floor(n), false);

-- Cores as DECIMAL(18,6), as coresToMicros: the double times 10^6, rounded half up; k / 10^6 as a
-- double converts back to exactly k micro-cores (k < 10^15).
CREATE OR REPLACE TEMP MACRO k8s_cores(n) AS (round(n * 1000000) / 1000000)::DECIMAL(18,6);

-- A string read as VARCHAR that cannot be the text of another JSON value (NULL counts as not a string):
-- not an object or array, not true or false, and, when it starts as a number, NaN or Infinity can
-- (0-9, -, n, N, i, I), not one.
CREATE OR REPLACE TEMP MACRO k8s_text_ok(s) AS coalesce(
  CASE WHEN ascii(s) BETWEEN 48 AND 57 OR ascii(s) IN (45, 78, 110, 73, 105) THEN TRY_CAST(s AS DOUBLE) IS NULL
    ELSE ascii(s) NOT IN (91, 123) AND s NOT IN ('true', 'false') END, false);

-- A name: such a string, not empty.
CREATE OR REPLACE TEMP MACRO k8s_name_ok(s) AS coalesce(s <> '', false) AND k8s_text_ok(s);

-- An optional string: missing, null, or such a string.
CREATE OR REPLACE TEMP MACRO k8s_opt_text_ok(s) AS s IS NULL OR k8s_text_ok(s);

-- Labels read as MAP(VARCHAR, JSON): missing or null, or every value a string, the keys unique
-- (JSON.parse keeps the last of a repeated key, DuckDB both) and none that JavaScript would move
-- to the front (an integer) or drop (__proto__).
CREATE OR REPLACE TEMP MACRO k8s_labels_ok(l) AS l IS NULL OR coalesce(
  len(list_filter(map_values(l), v -> NOT coalesce(starts_with(v::VARCHAR, '"'), false))) = 0
  AND len(list_distinct(map_keys(l))) = cardinality(l)
  AND len(list_filter(map_keys(l), k -> k = '__proto__' OR regexp_full_match(k, '[0-9]+'))) = 0, false);

-- Labels as stored: the JSON string values unquoted (the file has no escapes: scan.ts).
CREATE OR REPLACE TEMP MACRO k8s_labels(l) AS
  CASE WHEN l IS NOT NULL THEN map(map_keys(l), list_transform(map_values(l), v -> (v::VARCHAR)[2:-2])) END;
