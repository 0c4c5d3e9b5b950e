CREATE TABLE orgs (
  id   TEXT PRIMARY KEY CHECK (length(id) <= 32),
  name TEXT NOT NULL
);
COMMENT ON TABLE orgs IS 'The organizations customers belong to.';
CREATE TABLE customers (
  id            BIGINT PRIMARY KEY CHECK (id > 0),
  org           TEXT NOT NULL REFERENCES orgs(id),
  email         VARCHAR(254) NOT NULL,
  name          TEXT,
  balance       DOUBLE PRECISION NOT NULL DEFAULT 0,
  active        BOOLEAN NOT NULL DEFAULT TRUE,
  created_at    TIMESTAMPTZ NOT NULL,
  profile       JSONB,
  avatar        BYTEA,
  password_hash TEXT,
  api_token     TEXT,
  tier          VARCHAR(20) NOT NULL DEFAULT 'free' CHECK (tier IN ('free', 'pro', 'enterprise'))
);
COMMENT ON TABLE customers IS 'People who buy from an organization.';
COMMENT ON COLUMN customers.email IS 'The customer''s email address, e.g. "ann@acme.test".';
COMMENT ON COLUMN customers.tier IS 'The customer''s plan.';
CREATE INDEX customers_email ON customers(email);
CREATE INDEX customers_tier ON customers(tier, org);
CREATE INDEX customers_active ON customers(active);
CREATE TABLE order_lines (
  org         TEXT NOT NULL,
  order_id    INTEGER NOT NULL CHECK (order_id >= 10 OR order_id = 0),
  line        SMALLINT NOT NULL CHECK (line BETWEEN 1 AND 999),
  customer_id BIGINT NOT NULL REFERENCES customers(id),
  quantity    INTEGER NOT NULL CHECK (quantity >= 0),
  note        TEXT,
  PRIMARY KEY (order_id, line)
);
CREATE INDEX order_lines_customer ON order_lines(customer_id);
CREATE VIEW pro_customers AS SELECT id, org, email FROM customers WHERE tier = 'pro';
COMMENT ON VIEW pro_customers IS 'Customers on the pro plan.';
INSERT INTO orgs VALUES ('acme', 'Acme'), ('globex', 'Globex');
INSERT INTO customers (id, org, email, name, balance, active, created_at, profile, avatar, password_hash, api_token, tier) VALUES
  (1, 'acme', 'ann@acme.test', 'Ann', 12.5, TRUE, '2026-01-02T03:04:05Z', '{"lang":"en"}', '\x00ff', 'x', 'y', 'pro'),
  (2, 'acme', 'bob@acme.test', NULL, 0, FALSE, '2026-02-03T04:05:06Z', NULL, NULL, 'x', 'y', 'free'),
  (3, 'globex', 'gus@globex.test', 'Gus', 3, TRUE, '2026-03-04T05:06:07Z', NULL, NULL, 'x', 'y', 'pro');
INSERT INTO order_lines VALUES ('acme', 10, 1, 1, 2, 'gift'), ('acme', 10, 2, 1, 1, NULL), ('globex', 11, 1, 3, 5, NULL);
