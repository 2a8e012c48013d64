#!/usr/bin/env bash
# Builds the container image from the Dockerfile without a Docker engine, and
# checks that it starts: buildah (chroot isolation, host network) on a Debian
# base made locally with debootstrap (no image registry is needed), then, in
# the built image: --version, --config.check of the shipped config, the user it
# runs as, no compiler in the runtime stage, a real scrape (--dry-run) of the
# test replicas, and what the runtime adds over its base.
# Usage: scripts/image.sh [12|13]   (as root; installs buildah, podman, debootstrap)
set -euo pipefail
cd "$(dirname "$0")/.."
release=${1:-12}
case $release in
  12) codename=bookworm ;;
  13) codename=trixie ;;
  *) echo "image.sh: release 12 or 13" >&2; exit 2 ;;
esac
work=${RSE_IMAGE_DIR:-/var/tmp/rse-image}
mirror=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n 1)
mirror=${mirror:-http://deb.debian.org/debian}
log() { echo "[image] $*" >&2; }

for tool in buildah podman debootstrap; do
  command -v "$tool" >/dev/null || missing="${missing:-} $tool"
done
if [ -n "${missing:-}" ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing fuse-overlayfs </dev/null >/dev/null
fi

# The base: a minbase root imported as debian:N and debian:N-slim.
if ! podman image exists "docker.io/library/debian:$release"; then
  root=$work/root-$release
  if [ ! -f "$root.ready" ]; then
    rm -rf "$root"
    mkdir -p "$work"
    log "debootstrap $codename (minbase) into $root"
    debootstrap --variant=minbase "$codename" "$root" "$mirror" >"$work/debootstrap-$release.log" 2>&1
    touch "$root.ready"
  fi
  # apt inside the build stages uses the same archive as this machine.
  echo "deb $mirror $codename main" >"$root/etc/apt/sources.list"
  rm -rf "$root/var/cache/apt/archives/"*.deb "$root/var/lib/apt/lists/"*
  tar -C "$root" -c . | podman import - "docker.io/library/debian:$release" >/dev/null
  podman tag "docker.io/library/debian:$release" "docker.io/library/debian:$release-slim"
fi

tag=localhost/replica-sql-exporter:debian$release
log "buildah bud -t $tag (Debian $release)"
buildah bud --isolation chroot --network host --pull-never --build-arg "DEBIAN=$release" \
  -t "$tag" . >"$work/build-$release.log" 2>&1 || { tail -n 30 "$work/build-$release.log"; exit 1; }

ctr=$(buildah from --pull-never "$tag")
trap 'buildah rm "$ctr" >/dev/null 2>&1 || true' EXIT
run() { buildah run --isolation chroot --network host "$ctr" -- "$@"; }
run /usr/local/bin/replica_sql_exporter --version
run sh -c 'cd /etc/replica_sql_exporter && /usr/local/bin/replica_sql_exporter --config.file=config/replica_sql_exporter.toml --config.check' ||
  true  # The reference config names /run/secrets/...: the check must say so, not crash.
# A real scrape from inside the image (host network): --dry-run runs every
# shipped query once on a test replica (scripts/cluster/start_databases.sh) and
# prints the exposition.
check_config=$work/image-check.toml
cat >"$check_config" <<EOF
[cluster]
name = "image-check"
engine = "postgres"
database = "shop"
user = "exporter"
password_file = "/tmp/image-check-password"
replicas = ["127.0.0.1:55433", "127.0.0.1:55434"]
[queries]
files = ["/etc/replica_sql_exporter/queries/shop/*.toml"]
EOF
printf '%s\n' "${RSE_EXPORTER_PASSWORD:-exporter-demo-pw}" >"$work/image-check-password"
buildah copy --chown 65534:65534 --chmod 0600 "$ctr" "$work/image-check-password" /tmp/image-check-password >/dev/null
buildah copy --chown 65534:65534 "$ctr" "$check_config" /tmp/image-check.toml >/dev/null
exposition=$(run /usr/local/bin/replica_sql_exporter --config.file=/tmp/image-check.toml --dry-run 2>&1) ||
  { echo "$exposition" | tail -n 20 >&2; echo "image.sh: --dry-run inside the image failed" >&2; exit 1; }
grep -q '^replica_sql_up 1' <<<"$exposition" ||
  { echo "$exposition" | tail -n 20 >&2; echo "image.sh: no replica served the scrape inside the image" >&2; exit 1; }
log "a real scrape inside the image: replica_sql_up 1, $(grep -c '^replica_sql_query_success{.*} 1' <<<"$exposition") queries succeeded"
user=$(buildah inspect --format '{{.OCIv1.Config.User}}' "$tag")
[ "$user" = "65534:65534" ] || { echo "image.sh: runs as '$user', not nobody" >&2; exit 1; }
if run sh -c 'command -v cc || command -v c++ || command -v g++' >/dev/null 2>&1; then
  echo "image.sh: the runtime stage holds a compiler" >&2
  exit 1
fi
base=$(podman image inspect --format '{{.Size}}' "docker.io/library/debian:$release-slim")
size=$(podman image inspect --format '{{.Size}}' "$tag")
echo "image $tag: $((size / 1000000)) MB, $(((size - base) / 1000000)) MB over its base ($((base / 1000000)) MB); user $user; no compiler"
