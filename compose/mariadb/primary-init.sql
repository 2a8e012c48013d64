-- Runs once in the primary's container at first start, in database `shop`.
CREATE USER 'replicator'@'%' IDENTIFIED BY 'replicator-pw';
GRANT REPLICATION SLAVE ON *.* TO 'replicator'@'%';
CREATE USER 'exporter'@'%' IDENTIFIED BY 'exporter-pw';
GRANT SELECT ON shop.* TO 'exporter'@'%';
GRANT SLAVE MONITOR ON *.* TO 'exporter'@'%';
