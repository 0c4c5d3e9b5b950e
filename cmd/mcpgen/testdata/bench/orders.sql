-- 100k orders, half of them acme's (the even ids): what the benchmarks
-- read. orders.hcl and guarded.hcl seed it.
CREATE TABLE orders (
  id          INTEGER PRIMARY KEY,
  org         TEXT      NOT NULL,
  status      TEXT      NOT NULL,
  total_cents INTEGER   NOT NULL,
  placed_at   TIMESTAMP NOT NULL
);
INSERT INTO orders (id, org, status, total_cents, placed_at)
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
SELECT i,
       CASE i % 2 WHEN 0 THEN 'acme' ELSE 'globex' END,
       CASE i % 5 WHEN 0 THEN 'pending' WHEN 1 THEN 'paid' WHEN 2 THEN 'shipped' WHEN 3 THEN 'delivered' ELSE 'cancelled' END,
       1000 + (i * 7919) % 100000,
       '2026-01-01T00:00:00Z'
  FROM n;
