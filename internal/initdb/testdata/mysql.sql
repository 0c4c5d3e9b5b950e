CREATE TABLE orgs (
  id   VARCHAR(64) PRIMARY KEY CHECK (length(id) <= 32),
  name TEXT NOT NULL
) COMMENT 'The organizations customers belong to.';
CREATE TABLE customers (
  id            BIGINT PRIMARY KEY CHECK (id > 0),
  org           VARCHAR(64) NOT NULL,
  email         VARCHAR(254) NOT NULL COMMENT 'The customer''s email address, e.g. "ann@acme.test".',
  name          TEXT,
  balance       DOUBLE NOT NULL DEFAULT 0,
  active        BOOLEAN NOT NULL DEFAULT TRUE,
  created_at    DATETIME NOT NULL,
  profile       JSON,
  avatar        BLOB,
  password_hash TEXT,
  api_token     TEXT,
  tier          VARCHAR(20) NOT NULL DEFAULT 'free' COMMENT 'The customer''s plan.' CHECK (tier IN ('free', 'pro', 'enterprise')),
  FOREIGN KEY (org) REFERENCES orgs (id)
) COMMENT 'People who buy from an organization.';
CREATE INDEX customers_email ON customers(email);
CREATE INDEX customers_tier ON customers(tier, org);
CREATE INDEX customers_active ON customers(active);
CREATE TABLE order_lines (
  org         VARCHAR(64) NOT NULL,
  order_id    INTEGER NOT NULL CHECK (order_id >= 10 OR order_id = 0),
  line        SMALLINT NOT NULL CHECK (line BETWEEN 1 AND 999),
  customer_id BIGINT NOT NULL,
  quantity    INTEGER NOT NULL CHECK (quantity >= 0),
  note        TEXT,
  PRIMARY KEY (order_id, line),
  FOREIGN KEY (customer_id) REFERENCES customers (id)
);
CREATE INDEX order_lines_customer ON order_lines(customer_id);
CREATE VIEW pro_customers AS SELECT id, org, email FROM customers WHERE tier = 'pro';
INSERT INTO orgs VALUES ('acme', 'Acme'), ('globex', 'Globex');
INSERT INTO customers (id, org, email, name, balance, active, created_at, profile, avatar, password_hash, api_token, tier) VALUES
  (1, 'acme', 'ann@acme.test', 'Ann', 12.5, TRUE, '2026-01-02 03:04:05', '{"lang":"en"}', X'00ff', 'x', 'y', 'pro'),
  (2, 'acme', 'bob@acme.test', NULL, 0, FALSE, '2026-02-03 04:05:06', NULL, NULL, 'x', 'y', 'free'),
  (3, 'globex', 'gus@globex.test', 'Gus', 3, TRUE, '2026-03-04 05:06:07', NULL, NULL, 'x', 'y', 'pro');
INSERT INTO order_lines VALUES ('acme', 10, 1, 1, 2, 'gift'), ('acme', 10, 2, 1, 1, NULL), ('globex', 11, 1, 3, 5, NULL);
