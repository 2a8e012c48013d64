-- The demo `shop` database for PostgreSQL: schema and deterministic data.
-- Run on the primary, connected to database shop, by a superuser.
CREATE TABLE customers (
  id         integer PRIMARY KEY,
  name       text NOT NULL,
  country    varchar(2) NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE TABLE orders (
  id          integer PRIMARY KEY,
  customer_id integer NOT NULL REFERENCES customers(id),
  status      varchar(20) NOT NULL,
  total       numeric(12,2) NOT NULL,
  created_at  timestamptz NOT NULL
);
CREATE TABLE payments (
  id         integer PRIMARY KEY,
  order_id   integer NOT NULL REFERENCES orders(id),
  method     varchar(20) NOT NULL,
  status     varchar(20) NOT NULL,
  amount     numeric(12,2) NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE TABLE schema_version (
  version    varchar(20) NOT NULL,
  applied_at timestamptz NOT NULL
);

INSERT INTO customers
SELECT i,
       CASE WHEN i = 1 THEN 'Zoë Müller 東京' ELSE 'customer ' || i END,
       (ARRAY['DE', 'FR', 'US', 'JP', 'BR'])[1 + i % 5],
       now() - make_interval(days => i)
FROM generate_series(1, 200) AS i;

INSERT INTO orders
SELECT i,
       1 + i % 200,
       (ARRAY['paid', 'pending', 'shipped', 'cancelled'])[1 + i % 4],
       (i % 97) + 0.99,
       now() - make_interval(mins => i)
FROM generate_series(1, 2000) AS i;

INSERT INTO payments
SELECT i,
       i,
       (ARRAY['card', 'transfer', 'wallet'])[1 + i % 3],
       CASE WHEN i % 10 = 0 THEN 'failed' ELSE 'settled' END,
       (i % 97) + 0.99,
       now() - make_interval(mins => i)
FROM generate_series(1, 2000) AS i
WHERE i % 4 <> 1;  -- pending orders are not paid yet

INSERT INTO schema_version VALUES ('3', now());
