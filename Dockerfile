# replica_sql_exporter on Debian 12, built from this source tree.
FROM debian:12 AS build
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      g++ cmake make pkg-config libpqxx-dev libmysqlcppconn-dev libcpp-httplib-dev libtomlplusplus-dev zlib1g-dev \
    && rm -rf /var/lib/apt/lists/*
COPY . /src
RUN cmake -S /src -B /build -DCMAKE_BUILD_TYPE=Release -DRSE_BUILD_TESTS=OFF && cmake --build /build -j"$(nproc)"

FROM debian:12
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libpqxx-6.4 libmysqlcppconn7v5 libcpp-httplib0.11 libtomlplusplus3 ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /build/src/replica_sql_exporter /usr/local/bin/replica_sql_exporter
COPY config /etc/replica_sql_exporter/config
COPY queries /etc/replica_sql_exporter/queries
WORKDIR /etc/replica_sql_exporter
USER nobody
EXPOSE 10399
ENTRYPOINT ["/usr/local/bin/replica_sql_exporter"]
CMD ["--config.file=config/replica_sql_exporter.toml"]
