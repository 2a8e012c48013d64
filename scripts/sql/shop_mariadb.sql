-- The demo `shop` database for MariaDB: schema and deterministic data.
-- Run on the primary by root, after `USE shop`.
CREATE TABLE customers (
  id         INT PRIMARY KEY,
  name       VARCHAR(100) NOT NULL,
  country    VARCHAR(2) NOT NULL,
  created_at TIMESTAMP NOT NULL
) DEFAULT CHARSET = utf8mb4;
CREATE TABLE orders (
  id          INT PRIMARY KEY,
  customer_id INT NOT NULL,
  status      VARCHAR(20) NOT NULL,
  total       DECIMAL(12,2) NOT NULL,
  created_at  TIMESTAMP NOT NULL,
  FOREIGN KEY (customer_id) REFERENCES customers(id)
) DEFAULT CHARSET = utf8mb4;
CREATE TABLE payments (
  id         INT PRIMARY KEY,
  order_id   INT NOT NULL,
  method     VARCHAR(20) NOT NULL,
  status     VARCHAR(20) NOT NULL,
  amount     DECIMAL(12,2) NOT NULL,
  created_at TIMESTAMP NOT NULL,
  FOREIGN KEY (order_id) REFERENCES orders(id)
) DEFAULT CHARSET = utf8mb4;
CREATE TABLE schema_version (
  version    VARCHAR(20) NOT NULL,
  applied_at TIMESTAMP NOT NULL
) DEFAULT CHARSET = utf8mb4;

INSERT INTO customers
SELECT seq,
       IF(seq = 1, 'Zoë Müller 東京', CONCAT('customer ', seq)),
       ELT(1 + seq % 5, 'DE', 'FR', 'US', 'JP', 'BR'),
       NOW() - INTERVAL seq DAY
FROM seq_1_to_200;

INSERT INTO orders
SELECT seq,
       1 + seq % 200,
       ELT(1 + seq % 4, 'paid', 'pending', 'shipped', 'cancelled'),
       (seq % 97) + 0.99,
       NOW() - INTERVAL seq MINUTE
FROM seq_1_to_2000;

INSERT INTO payments
SELECT seq,
       seq,
       ELT(1 + seq % 3, 'card', 'transfer', 'wallet'),
       IF(seq % 10 = 0, 'failed', 'settled'),
       (seq % 97) + 0.99,
       NOW() - INTERVAL seq MINUTE
FROM seq_1_to_2000
WHERE seq % 4 <> 1;  -- pending orders are not paid yet

INSERT INTO schema_version VALUES ('3', NOW());
