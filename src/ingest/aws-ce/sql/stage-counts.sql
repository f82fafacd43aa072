-- Of the staged rows of a pull: those on days AWS estimated, and those that hold a remainder between tag keys.
-- No parameters.
-- Returns: estimated, remainder
SELECT count(*) FILTER (WHERE extra->>'x_Estimated' = 'true') AS estimated,
       count(*) FILTER (WHERE extra->>'x_TagRemainder' IS NOT NULL) AS remainder FROM stage_line_items;
