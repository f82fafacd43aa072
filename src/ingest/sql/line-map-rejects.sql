-- Moves the rejected rows' line numbers from naive to physical, by stage_line_map.
-- No parameters.
-- Returns: nothing
UPDATE stage_rejects SET line = stage_rejects.line + m.off
FROM (SELECT t.line AS naive, bp.off FROM stage_rejects t ASOF JOIN stage_line_map bp ON t.line >= bp.naive) m
WHERE stage_rejects.line = m.naive AND m.off <> 0;
