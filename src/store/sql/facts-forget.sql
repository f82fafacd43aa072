-- Forgets the rows kept under a name (for any version).
-- $1 VARCHAR  name
DELETE FROM input_facts WHERE name = $1;
