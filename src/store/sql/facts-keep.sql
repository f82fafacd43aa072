-- Keeps rows under a name for one version of the line items.
-- $1 VARCHAR  name; $2 VARCHAR  version; $3 VARCHAR  the rows (JSON text)
INSERT INTO input_facts VALUES ($1, $2, $3::JSON);
