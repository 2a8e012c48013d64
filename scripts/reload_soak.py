#!/usr/bin/env python3
"""Operations under load (issue 22, part 3), against the local PostgreSQL
replicas with the exporter's test build by default.

Reloads: --reloads reloads, in turn SIGHUP with a changed catalog, SIGHUP
unchanged, POST /-/reload changed, POST unchanged, while --clients clients
scrape. The catalog alternates between two sets of queries (a and b); every
scrape must answer 200 with exactly one set (never a mix of old and new).

Rotations: the web TLS certificate and key are replaced --rotations times
(alternating two certificates of one CA), each followed by a reload, while
--clients clients scrape over TLS with a client certificate, each scrape on
a new connection (a handshake each). No handshake with the valid client
certificate may fail, and the certificate served after each reload must be
the new one.

    scripts/reload_soak.py [--reloads 1000] [--rotations 100] [--clients 8]
        [--binary PATH] [--log DIR]

Prints the counts, latencies and the exporter's RSS, fds and threads after
warm-up and at the end (once idle handler threads exited); exit 0 when
nothing failed and the exporter stopped cleanly. Needs the clusters of
scripts/cluster/start_databases.sh."""
import argparse
import hashlib
import json
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import exporter_harness as harness  # noqa: E402

CATALOGS = {
    name: "".join("""[[query]]
name = "soak_%s_%d"
sql = "SELECT %d AS v"
  [[query.metrics]]
  name = "soak_%s_%d"
  help = "Query %d of catalog %s."
  value = "v"
""" % (name, i, i, name, i, i, name) for i in range(1, 4))
    for name in ("a", "b")
}


def catalog_of(body):
    """'a', 'b', 'mix' or 'none': which catalog's queries a scrape served."""
    seen = {name for name in CATALOGS for i in range(1, 4)
            if "\nsoak_%s_%d " % (name, i) in "\n" + body}
    complete = {name for name in CATALOGS
                if all("\nsoak_%s_%d " % (name, i) in "\n" + body for i in range(1, 4))}
    if len(seen) > 1:
        return "mix"
    if len(complete) == 1 and seen == complete:
        return complete.pop()
    return "none"


class Scrapers:
    """`count` threads scraping until stopped; each result is recorded."""

    def __init__(self, count, make_client, judge):
        self.stop_event = threading.Event()
        self.lock = threading.Lock()
        self.results, self.seconds, self.failures = {}, [], []
        self.threads = [threading.Thread(target=self.loop, args=(make_client, judge))
                        for _ in range(count)]
        for thread in self.threads:
            thread.start()

    def loop(self, make_client, judge):
        client = make_client()
        while not self.stop_event.is_set():
            began = time.monotonic()
            status, body = client.scrape()
            took = time.monotonic() - began
            verdict = judge(status, body)
            with self.lock:
                self.seconds.append(took)
                self.results[verdict] = self.results.get(verdict, 0) + 1
                if verdict in ("failed", "mix", "none") and len(self.failures) < 10:
                    self.failures.append("%s: HTTP %d %s" % (verdict, status, body[:200]))
        client.close()

    def stop(self):
        self.stop_event.set()
        for thread in self.threads:
            thread.join()


def generation(client):
    """(generation, last reload's time) from /status.json; None when it did not answer."""
    for _ in range(3):
        status, body = client.request("GET", "/status.json")
        if status == 200:
            break
    if status != 200:
        print("/status.json: HTTP %d %s" % (status, body[:200]))
        return None
    config = json.loads(body)["config"]
    return config["generation"], (config.get("last_reload") or {}).get("at")


def reload(exporter, client, use_post, before, seconds=30):
    """Triggers one reload and waits until it is applied; True when it succeeded."""
    if use_post:
        status, body = client.request("POST", "/-/reload")
        if status != 200:
            print("POST /-/reload: HTTP %d %s" % (status, body[:200]))
            return False
    else:
        exporter.signal()
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        now = generation(client)
        if now and now != before and now[1] is not None:
            return before is not None and now[0] == before[0] + 1
        time.sleep(0.005)
    return False


def soak_reloads(args, work, binary):
    files = {"a": os.path.join(work, "a.toml"), "b": os.path.join(work, "b.toml")}
    for name, path in files.items():
        with open(path, "w") as f:
            f.write(CATALOGS[name])
    catalog = os.path.join(work, "catalog.toml")
    shutil.copy(files["a"], catalog)
    config = os.path.join(work, "reloads.toml")
    env = harness.endpoints()
    with open(config, "w") as f:
        f.write(harness.cluster_config("postgres", [env["RSE_PG_REPLICA1"], env["RSE_PG_REPLICA2"]],
                                       [catalog]))
    exporter = harness.Exporter(binary, config, os.path.join(work, "reloads-exporter.log"),
                                ["--web.enable-lifecycle"])
    control = harness.Client(exporter.port)
    ok = harness.wait_ready(control)
    if not ok:
        print("reloads: the exporter did not become ready")
        exporter.stop()
        return False
    judge = lambda status, body: "failed" if status != 200 else catalog_of(body)
    warm_up = Scrapers(args.clients, lambda: harness.Client(exporter.port), judge)
    time.sleep(2)
    warm_up.stop()
    warm = exporter.settled_figures()
    scrapers = Scrapers(args.clients, lambda: harness.Client(exporter.port), judge)
    current, kinds, began = "a", {}, time.monotonic()
    failed_reloads = 0
    for i in range(args.reloads):
        changed, use_post = i % 2 == 0, (i // 2) % 2 == 1
        if changed:
            current = "b" if current == "a" else "a"
            shutil.copy(files[current], catalog + ".new")
            os.replace(catalog + ".new", catalog)
        kind = "%s %s" % ("POST" if use_post else "SIGHUP", "changed" if changed else "unchanged")
        kinds[kind] = kinds.get(kind, 0) + 1
        if not reload(exporter, control, use_post, generation(control)):
            failed_reloads += 1
    took = time.monotonic() - began
    scrapers.stop()
    end = exporter.settled_figures()
    control.close()
    clean = exporter.stop()
    results = scrapers.results
    print("reloads: %d in %.1f s (%s), %d failed" % (
        args.reloads, took, ", ".join("%s %d" % kv for kv in sorted(kinds.items())), failed_reloads))
    print("reloads: %d scrapes by %d clients, %d failed; answered from catalog a %d, from b %d, "
          "a mix %d, neither %d; %s" % (
              len(scrapers.seconds), args.clients, results.get("failed", 0), results.get("a", 0),
              results.get("b", 0), results.get("mix", 0), results.get("none", 0),
              harness.latency_text(scrapers.seconds)))
    for failure in scrapers.failures:
        print("    " + failure)
    print("reloads: exporter after warm-up %s, at the end (idle threads gone) %s" % (warm, end))
    return (clean and failed_reloads == 0 and not results.get("failed") and not results.get("mix")
            and not results.get("none") and exporter.flat(warm, end))


def tls_context(certs):
    context = ssl.create_default_context(cafile=os.path.join(certs, "ca.crt"))
    # What Python 3.13 does by default: the test certificates must pass it on every release.
    context.verify_flags |= ssl.VERIFY_X509_STRICT
    context.load_cert_chain(os.path.join(certs, "client.crt"), os.path.join(certs, "client.key"))
    return context


class FreshClient(harness.Client):
    """A TLS client that opens a new connection (a new handshake) for every request."""

    def request(self, method, path, headers=None):
        result = super().request(method, path, headers)
        self.close()
        self.connection = None
        return result


def served_fingerprint(port, context):
    with harness.socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
            return hashlib.sha256(tls.getpeercert(binary_form=True)).hexdigest()


def fingerprint_of(path):
    der = ssl.PEM_cert_to_DER_cert(open(path).read())
    return hashlib.sha256(der).hexdigest()


def soak_rotations(args, work, binary):
    certs = os.path.join(work, "certs")
    subprocess.run([os.path.join(harness.ROOT, "tests", "scripts", "make_web_certs.sh"), certs],
                   check=True)
    live_cert, live_key = os.path.join(work, "web.crt"), os.path.join(work, "web.key")
    shutil.copy(os.path.join(certs, "server.crt"), live_cert)
    shutil.copy(os.path.join(certs, "server.key"), live_key)
    web = os.path.join(work, "web.yml")
    with open(web, "w") as f:
        f.write("tls_server_config:\n  cert_file: %s\n  key_file: %s\n  client_ca_file: %s\n"
                "  client_auth_type: RequireAndVerifyClientCert\n" % (
                    live_cert, live_key, os.path.join(certs, "ca.crt")))
    env = harness.endpoints()
    files, _ = harness.shop_queries()
    config = os.path.join(work, "rotations.toml")
    with open(config, "w") as f:
        f.write(harness.cluster_config("postgres", [env["RSE_PG_REPLICA1"], env["RSE_PG_REPLICA2"]],
                                       files))
    exporter = harness.Exporter(binary, config, os.path.join(work, "rotations-exporter.log"),
                                ["--web.config.file=" + web, "--web.enable-lifecycle"])
    context = tls_context(certs)
    control = harness.Client(exporter.port, tls=context)
    if not harness.wait_ready(control):
        print("rotations: the exporter did not become ready; its log:\n" +
              open(exporter.log_path).read()[-2000:])
        exporter.stop()
        return False
    judge = lambda status, body: "ok" if status == 200 and "\nreplica_sql_up 1" in "\n" + body \
        else "failed"
    scrapers = Scrapers(args.clients, lambda: FreshClient(exporter.port, tls=context), judge)
    stale, failed_reloads, began = 0, 0, time.monotonic()
    for i in range(args.rotations):
        name = "server2" if i % 2 == 0 else "server"
        for source, live in ((name + ".crt", live_cert), (name + ".key", live_key)):
            shutil.copy(os.path.join(certs, source), live + ".new")
            os.replace(live + ".new", live)
        if not reload(exporter, control, i % 2 == 1, generation(control)):
            failed_reloads += 1
        if served_fingerprint(exporter.port, context) != fingerprint_of(live_cert):
            stale += 1
    took = time.monotonic() - began
    scrapers.stop()
    control.close()
    clean = exporter.stop()
    results = scrapers.results
    print("rotations: %d in %.1f s, %d reloads failed, old certificate served after the reload %d "
          "times" % (args.rotations, took, failed_reloads, stale))
    print("rotations: %d scrapes over TLS (a handshake each) by %d clients, %d failed; %s" % (
        len(scrapers.seconds), args.clients, results.get("failed", 0),
        harness.latency_text(scrapers.seconds)))
    for failure in scrapers.failures:
        print("    " + failure)
    return clean and failed_reloads == 0 and stale == 0 and not results.get("failed")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reloads", type=int, default=1000)
    parser.add_argument("--rotations", type=int, default=100)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--binary", default=harness.DEFAULT_BINARY)
    parser.add_argument("--log", help="keep the exporters' logs here")
    args = parser.parse_args()
    work = args.log or tempfile.mkdtemp(prefix="rse_reload_soak")
    os.makedirs(work, exist_ok=True)
    ok = soak_reloads(args, work, args.binary)
    ok = soak_rotations(args, work, args.binary) and ok
    print("reload soak: " + ("passed" if ok else "FAILED (logs in %s)" % work))
    if ok and not args.log:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
