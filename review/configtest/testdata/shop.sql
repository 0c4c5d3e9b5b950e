CREATE TABLE orders (
  id     INTEGER PRIMARY KEY,
  org    TEXT NOT NULL,
  status TEXT NOT NULL
);
INSERT INTO orders (id, org, status) VALUES
  (1, 'acme', 'pending'),
  (2, 'acme', 'paid'),
  (3, 'acme', 'pending'),
  (4, 'globex', 'pending');
