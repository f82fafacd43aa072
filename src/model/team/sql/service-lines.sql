-- Each team's chargeback rows (every currency), each with last month's amount
-- of the same charge type, service and currency; per team the report's
-- currency first, largest first.
-- $1 INTEGER run id   $2 INTEGER last month's run id (-1: none)   $3 JSON list of {team_id, currency (the report's)}
-- Returns: team_id, charge_type, service, currency, decimals, amount, line_items, previous (NULL: none)
WITH t AS (SELECT x.team_id, x.currency FROM (SELECT unnest(from_json($3::JSON, '[{"team_id":"VARCHAR","currency":"VARCHAR"}]')) AS x)),
p AS (SELECT team_id, charge_type, service, currency, sum(amount) AS amount FROM chargeback_rows
      WHERE run_id = $2 AND team_id IN (SELECT team_id FROM t) GROUP BY ALL)
SELECT r.team_id, r.charge_type, r.service, r.currency, r.decimals::INTEGER AS decimals, r.amount::VARCHAR AS amount,
       r.line_items::VARCHAR AS line_items, p.amount::VARCHAR AS previous
FROM chargeback_rows r
JOIN t ON t.team_id = r.team_id
LEFT JOIN p ON p.team_id = r.team_id AND p.charge_type = r.charge_type AND p.service = r.service AND p.currency = r.currency
WHERE r.run_id = $1
ORDER BY r.team_id, r.currency <> t.currency, abs(r.amount) DESC, r.charge_type, r.service, r.currency;
