#!/usr/bin/env python3
"""Network faults on one replica while the other is healthy (issue 22, part 2).
The exporter (by default the ASan + UBSan test build) serves the demo catalog
plus a 100,000-row query from two replicas of the local cluster, the first
behind scripts/fault_proxy.py. For each fault, --scrapes scrapes one after
another; each must answer 200 with replica_sql_up 1, every query successful,
and the large query complete (100,000 series whose values sum to what the
server holds): a cut result published as complete counts as wrong.

    scripts/network_faults.py [--engine postgres|mariadb] [--scrapes 200]
        [--faults spike,reset,blackhole,blackhole_mid,throttle] [--allow-failed N]
        [--timeout 8] [--binary PATH] [--log DIR]

Prints, per fault, the failed and wrong scrapes, the latency against the
fault-free run, the faulty member's state and last error, then the exporter's
RSS, fds and threads after warm-up and at the end. Exit 0 when no scrape was
wrong, at most --allow-failed failed per fault, the slowest scrape stayed
within the deadline, and the exporter stopped cleanly. Needs the clusters of
scripts/cluster/start_databases.sh."""
import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import exporter_harness as harness  # noqa: E402

ROWS = 100_000
# Each fault: the proxy's command, and a description for the report.
FAULTS = {
    "spike": ("spike 1000", "1 s added to every statement"),
    "reset": ("reset_after 400000", "connection reset 400 kB into a result"),
    "blackhole": ("blackhole", "black hole: accepts, never answers"),
    "blackhole_mid": ("blackhole_after 400000", "black hole 400 kB into a result"),
    "throttle": ("throttle 10000", "server's bytes throttled to 10 kB/s"),
}

BIG_QUERY = """[[query]]
name = "nf_large"
sql = "{sql}"
timeout = "{timeout}"
max_series = 200000
  [[query.metrics]]
  name = "nf_large_value"
  help = "One series per row of a {rows}-row result."
  labels = ["k"]
  value = "v"
"""


def big_sql(engine):
    if engine == "postgres":
        return "SELECT i::text AS k, i AS v FROM generate_series(1, %d) AS i" % ROWS
    return "SELECT CAST(seq AS CHAR) AS k, seq AS v FROM seq_1_to_%d" % ROWS


class Proxy:
    def __init__(self, target, log_path):
        self.port, self.control_port = harness.free_port(), harness.free_port()
        self.log = open(log_path, "w")
        self.process = subprocess.Popen(
            [sys.executable, os.path.join(harness.ROOT, "scripts", "fault_proxy.py"),
             "--listen", str(self.port), "--target", target, "--control", str(self.control_port)],
            stdout=subprocess.PIPE, stderr=self.log, text=True)
        if self.process.stdout.readline().strip() != "ready":
            raise RuntimeError("fault proxy did not start")
        self.control = socket.create_connection(("127.0.0.1", self.control_port))
        self.answers = self.control.makefile("r")

    def set(self, command):
        self.control.sendall((command + "\n").encode())
        answer = self.answers.readline().strip()
        if answer != "ok":
            raise RuntimeError("fault proxy: %s: %s" % (command, answer))

    def stop(self):
        self.control.close()
        self.process.terminate()
        self.process.wait()
        self.log.close()


def judge(status, body, names):
    """'ok', 'failed' (with why) or 'wrong': the large query served incomplete."""
    if status != 200:
        return "failed", "HTTP %d %s" % (status, body[:200])
    values = harness.samples(body, "nf_large_value")
    if values and (len(values) != ROWS or sum(values.values()) != ROWS * (ROWS + 1) / 2):
        return "wrong", "%d series of the large query" % len(values)
    if harness.samples(body, "replica_sql_up").get("") != 1:
        return "failed", "replica_sql_up is not 1"
    success = harness.samples(body, "replica_sql_query_success")
    failing = [n for n in names if success.get('{query="%s"}' % n) != 1]
    if failing:
        return "failed", "not successful: " + ", ".join(failing)
    return "ok", ""


def member_state(client, address):
    status, body = client.request("GET", "/status.json")
    if status != 200:
        return "unknown", ""
    for replica in json.loads(body).get("replicas", []):
        if replica.get("address") == address:
            last_error = replica.get("last_error") or {}
            return replica.get("state", "?"), last_error.get("message", "")
    return "absent", ""


def run(client, names, scrapes):
    """Latencies, failures (index, why) and wrong scrapes of `scrapes` scrapes."""
    seconds, failed, wrong = [], [], []
    for i in range(scrapes):
        began = time.monotonic()
        status, body = client.scrape()
        seconds.append(time.monotonic() - began)
        verdict, why = judge(status, body, names)
        if verdict == "failed":
            failed.append((i, why))
        elif verdict == "wrong":
            wrong.append((i, why))
    return seconds, failed, wrong


def wait_healthy(client, address, seconds=40):
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        client.scrape()
        if member_state(client, address)[0] == "healthy":
            return True
        time.sleep(0.2)
    return False


def run_engine(args, engine, work):
    env = harness.endpoints()
    prefix = "RSE_PG_" if engine == "postgres" else "RSE_MY_"
    target, healthy = env[prefix + "REPLICA1"], env[prefix + "REPLICA2"]
    proxy = Proxy(target, os.path.join(work, engine + "-proxy.log"))
    faulty = "127.0.0.1:%d" % proxy.port
    files, names = harness.shop_queries()
    big = os.path.join(work, engine + "-large.toml")
    with open(big, "w") as f:
        f.write(BIG_QUERY.format(sql=big_sql(engine), timeout="%gs" % (args.timeout / 4), rows=ROWS))
    config = os.path.join(work, engine + ".toml")
    with open(config, "w") as f:
        f.write(harness.cluster_config(engine, [faulty, healthy], files + [big]))
    exporter = harness.Exporter(args.binary, config, os.path.join(work, engine + "-exporter.log"),
                                ["--log.level=info"])
    client = harness.Client(exporter.port, timeout_seconds=args.timeout)
    ok = True
    try:
        if not harness.wait_ready(client) or not wait_healthy(client, faulty):
            print("%s: the exporter or the proxied replica did not become ready" % engine)
            return False
        names = names + ["nf_large"]
        base_seconds, base_failed, base_wrong = run(client, names, args.warmup or max(20, args.scrapes // 4))
        warm = exporter.figures()
        base_median = sorted(base_seconds)[len(base_seconds) // 2]
        print("%s, fault-free: %d scrapes, %d failed, %d wrong; %s" % (
            engine, len(base_seconds), len(base_failed), len(base_wrong),
            harness.latency_text(base_seconds)))
        ok &= not base_failed and not base_wrong
        for name in args.faults:
            command, description = FAULTS[name]
            proxy.set(command)
            seconds, failed, wrong = run(client, names, args.scrapes)
            state, last_error = member_state(client, faulty)
            proxy.set("none")
            median = sorted(seconds)[len(seconds) // 2]
            slowest = max(seconds)
            print("%s, %s (%s): %d scrapes, %d failed, %d wrong; %s; median %.2fx fault-free; "
                  "faulty member %s (%s)" % (
                      engine, name, description, len(seconds), len(failed), len(wrong),
                      harness.latency_text(seconds), median / base_median, state,
                      last_error[:160]))
            for i, why in (failed + wrong)[:5]:
                print("    scrape %d: %s" % (i, why[:300]))
            ok &= len(failed) <= args.allow_failed and not wrong and slowest <= args.timeout
            if not wait_healthy(client, faulty):
                print("%s: the proxied replica did not come back after %s" % (engine, name))
                ok = False
            print("    exporter after %s: %s" % (name, exporter.figures()))
        end = exporter.settled_figures()
        print("%s: exporter after warm-up %s, at the end (idle threads gone) %s" % (engine, warm, end))
        ok &= exporter.flat(warm, end)
    finally:
        client.close()
        if not exporter.stop():
            print("%s: the exporter did not stop cleanly (see %s)" % (engine, exporter.log_path))
            ok = False
        proxy.stop()
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", choices=["postgres", "mariadb", "both"], default="both")
    parser.add_argument("--scrapes", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=0,
                        help="fault-free scrapes first (default: a quarter of --scrapes, at least 20)")
    parser.add_argument("--faults", default=",".join(FAULTS))
    parser.add_argument("--allow-failed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=8.0, help="scrape timeout, seconds")
    parser.add_argument("--binary", default=harness.DEFAULT_BINARY)
    parser.add_argument("--log", help="keep the exporter's and the proxy's logs here")
    args = parser.parse_args()
    args.faults = [f for f in args.faults.split(",") if f]
    unknown = [f for f in args.faults if f not in FAULTS]
    if unknown:
        parser.error("unknown fault %s (known: %s)" % (", ".join(unknown), ", ".join(FAULTS)))
    work = args.log or tempfile.mkdtemp(prefix="rse_netfaults")
    os.makedirs(work, exist_ok=True)
    engines = ["postgres", "mariadb"] if args.engine == "both" else [args.engine]
    ok = all([run_engine(args, engine, work) for engine in engines])
    print("network faults: " + ("passed" if ok else "FAILED (logs in %s)" % work))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
