-- Runs once in a replica's container at first start: replicate the primary by GTID.
CHANGE MASTER TO MASTER_HOST = 'mariadb-primary', MASTER_USER = 'replicator',
  MASTER_PASSWORD = 'replicator-pw', MASTER_USE_GTID = slave_pos, MASTER_CONNECT_RETRY = 5;
START SLAVE;
