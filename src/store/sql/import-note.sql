-- Adds a sentence to an import's note ('; ' between sentences).
-- $1 INTEGER import id  $2 VARCHAR the sentence
-- Returns: nothing
UPDATE imports SET note = concat_ws('; ', note, $2) WHERE import_id = $1;
