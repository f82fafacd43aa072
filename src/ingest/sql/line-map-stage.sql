-- Moves the staged rows' line numbers from naive to physical, by stage_line_map.
-- No parameters.
-- Returns: nothing
UPDATE stage_line_items SET source_line = stage_line_items.source_line + m.off
FROM (SELECT t.source_line AS naive, bp.off FROM stage_line_items t ASOF JOIN stage_line_map bp ON t.source_line >= bp.naive) m
WHERE stage_line_items.source_line = m.naive AND m.off <> 0;
