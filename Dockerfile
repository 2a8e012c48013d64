# replica_sql_exporter on Debian 12 (or 13: --build-arg DEBIAN=13), built from
# this source tree.
#   docker build -t replica-sql-exporter .
ARG DEBIAN=12
FROM debian:${DEBIAN} AS build
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      g++ cmake make pkg-config libpqxx-dev libmysqlcppconn-dev libtomlplusplus-dev \
      zlib1g-dev libyaml-cpp-dev libcrypt-dev libssl-dev libboost-dev nlohmann-json3-dev \
    && rm -rf /var/lib/apt/lists/*
COPY . /src
# The runtime packages are the ones that own the libraries the binary links
# (as dpkg-shlibdeps finds them), not a list that drifts from the build:
# /build/runtime-packages.
RUN cmake -S /src -B /build -DCMAKE_BUILD_TYPE=Release -DRSE_BUILD_TESTS=OFF \
    && cmake --build /build -j"$(nproc)" --target replica_sql_exporter \
    && strip /build/src/replica_sql_exporter \
    && ldd /build/src/replica_sql_exporter | awk '/=> \// { print $3 }' \
       | xargs -r readlink -f | xargs -r dpkg -S 2>/dev/null | cut -d: -f1 | sort -u \
       > /build/runtime-packages \
    && test -s /build/runtime-packages

# Runtime: only the shared libraries the binary links, no compiler, no shell
# tools; apt's package lists and caches (~80 MB after an update: pkgcache.bin,
# srcpkgcache.bin) go in the same layer.
FROM debian:${DEBIAN}-slim
COPY --from=build /build/runtime-packages /tmp/runtime-packages
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      $(cat /tmp/runtime-packages) ca-certificates \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/cache/apt/archives/*.deb \
              /var/log/apt /var/log/dpkg.log /tmp/runtime-packages
COPY --from=build /build/src/replica_sql_exporter /usr/local/bin/replica_sql_exporter
COPY config /etc/replica_sql_exporter/config
COPY queries /etc/replica_sql_exporter/queries
WORKDIR /etc/replica_sql_exporter
# nobody:nogroup; the config and queries are world-readable, nothing is writable.
USER 65534:65534
EXPOSE 10399
# bash's /dev/tcp: the slim image has no curl. (With TLS in the web config,
# probe from outside instead, e.g. Kubernetes' httpGet with scheme HTTPS.)
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/10399 && printf 'GET /-/healthy HTTP/1.0\\r\\n\\r\\n' >&3 && head -n1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["/usr/local/bin/replica_sql_exporter"]
CMD ["--config.file=config/replica_sql_exporter.toml"]
