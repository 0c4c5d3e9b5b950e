-- 100,000 orders, all of the org the benchmark's API key binds, so that
-- every server under test finds every id.
CREATE TABLE orders (
  id          INTEGER PRIMARY KEY,
  org         TEXT      NOT NULL,
  status      TEXT      NOT NULL,
  total_cents INTEGER   NOT NULL,
  placed_at   TIMESTAMP NOT NULL
);
INSERT INTO orders (id, org, status, total_cents, placed_at)
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
SELECT i, 'acme',
       CASE i % 5 WHEN 0 THEN 'pending' WHEN 1 THEN 'paid' WHEN 2 THEN 'shipped' WHEN 3 THEN 'delivered' ELSE 'cancelled' END,
       500 + (i * 7919) % 500000,
       strftime('%Y-%m-%dT%H:%M:%SZ', '2025-01-01', '+' || (i * 5) || ' minutes')
FROM n;
