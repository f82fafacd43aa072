-- A team's chargeback rows (every currency), each with last month's amount of
-- the same charge type, service and currency; the report's currency first, largest first.
-- $1 INTEGER run id   $2 INTEGER last month's run id (-1: none)   $3 VARCHAR team id   $4 VARCHAR the report's currency
-- Returns: charge_type, service, currency, decimals, amount, line_items, previous (NULL: none)
SELECT r.charge_type, r.service, r.currency, r.decimals::INTEGER AS decimals, r.amount::VARCHAR AS amount,
       r.line_items::VARCHAR AS line_items, p.amount::VARCHAR AS previous
FROM chargeback_rows r
LEFT JOIN (SELECT charge_type, service, currency, sum(amount) AS amount FROM chargeback_rows
           WHERE run_id = $2 AND team_id = $3 GROUP BY ALL) p USING (charge_type, service, currency)
WHERE r.run_id = $1 AND r.team_id = $3
ORDER BY r.currency <> $4, abs(r.amount) DESC, r.charge_type, r.service, r.currency;
