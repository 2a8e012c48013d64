"""What the long runs (scripts/network_faults.py, scripts/reload_soak.py) share:
the local clusters' endpoints, an exporter started from a config with its
port read from its log, a scraping client, and the process figures (RSS, fds,
threads) they report. Imported, not run."""
import http.client
import os
import signal
import socket
import ssl
import statistics
import subprocess
import time
import tomllib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_BINARY = os.path.join(ROOT, "build", "test", "src", "replica_sql_exporter")
ENDPOINTS = "/var/lib/rse-testdb/endpoints.env"


def endpoints():
    """The local clusters of scripts/cluster/start_databases.sh, as a dict."""
    values = {}
    with open(ENDPOINTS) as f:
        for line in f:
            if "=" in line:
                key, value = line.strip().split("=", 1)
                values[key] = value
    return values


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cluster_config(engine, replicas, query_files, extra=""):
    """An exporter config for the local cluster of `engine` (postgres or
    mariadb) over `replicas`, listening on a free port."""
    env = endpoints()
    kind = "postgres" if engine == "postgres" else "mysql"
    quoted = ", ".join('"%s"' % r for r in replicas)
    files = ", ".join('"%s"' % f for f in query_files)
    return f"""[web]
listen_address = "127.0.0.1:0"
[cluster]
name = "harness"
engine = "{kind}"
database = "shop"
user = "{env['RSE_EXPORTER_USER']}"
password_env = "RSE_HARNESS_PASSWORD"
replicas = [{quoted}]
tls_mode = "disable"
[queries]
files = [{files}]
{extra}"""


def shop_queries():
    """The demo catalog's files and the names of its queries that an
    ungrouped scrape runs."""
    files = sorted(os.path.join(ROOT, "queries", "shop", f)
                   for f in os.listdir(os.path.join(ROOT, "queries", "shop")) if f.endswith(".toml"))
    names = []
    for path in files:
        with open(path, "rb") as f:
            for query in tomllib.load(f).get("query", []):
                if not query.get("group"):
                    names.append(query["name"])
    return files, names


class Exporter:
    """One exporter process. Sanitizer reports (the test build) go to its log."""

    def __init__(self, binary, config_path, log_path, args=()):
        env = dict(os.environ, RSE_HARNESS_PASSWORD=endpoints()["RSE_EXPORTER_PASSWORD"],
                   ASAN_OPTIONS="detect_leaks=1:quarantine_size_mb=16",
                   LSAN_OPTIONS="suppressions=%s:print_suppressions=0" %
                   os.path.join(ROOT, "tests", "lsan.supp"))
        self.log_path = log_path
        self.log = open(log_path, "w")
        self.process = subprocess.Popen([binary, "--config.file=" + config_path, *args],
                                        stdout=self.log, stderr=subprocess.STDOUT, env=env)
        self.port = None
        for _ in range(300):
            for line in open(log_path):
                if "starting replica_sql_exporter" in line and " port=" in line:
                    self.port = int(line.split(" port=")[1].split()[0])
            if self.port or self.process.poll() is not None:
                break
            time.sleep(0.1)
        if not self.port:
            self.stop()
            raise RuntimeError("the exporter did not start:\n" + open(log_path).read())

    @property
    def pid(self):
        return self.process.pid

    def figures(self):
        """RSS (KiB), open fds and threads now; of the threads, how many are web
        handlers ("rse-http": idle ones leave only 30 s after their last request,
        so a count of threads that must stay flat leaves them out)."""
        status = open("/proc/%d/status" % self.pid).read()
        field = lambda name: int(status.split(name + ":")[1].split()[0])
        handlers = 0
        for task in os.listdir("/proc/%d/task" % self.pid):
            try:
                handlers += open("/proc/%d/task/%s/comm" % (self.pid, task)).read().strip() == "rse-http"
            except OSError:
                pass  # Exited meanwhile.
        return {"rss_kib": field("VmRSS"), "fds": len(os.listdir("/proc/%d/fd" % self.pid)),
                "threads": field("Threads"), "web_handlers": handlers}

    @staticmethod
    def flat(warm, end, slack=4):
        """Whether fds and threads (web handlers aside) stayed within `slack` of `warm`."""
        others = lambda figures: figures["threads"] - figures["web_handlers"]
        return end["fds"] <= warm["fds"] + slack and others(end) <= others(warm) + slack

    def settled_figures(self, settle_seconds=30):
        """The figures once the threads that serve idle connections exited (the
        web server lets idle handler threads go): polled until the thread count
        stops falling for 2 s, at most `settle_seconds`."""
        last, steady_since, until = self.figures(), time.monotonic(), time.monotonic() + settle_seconds
        while time.monotonic() < until:
            time.sleep(0.5)
            now = self.figures()
            if now["threads"] < last["threads"]:
                steady_since = time.monotonic()
            last = now
            if time.monotonic() - steady_since >= 2:
                break
        return last

    def signal(self, number=signal.SIGHUP):
        os.kill(self.pid, number)

    def stop(self):
        """SIGTERM and wait; True when it exited cleanly with no sanitizer report."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        return self.stopped_cleanly()

    def stopped_cleanly(self):
        text = open(self.log_path).read()
        findings = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")
        return self.process.returncode == 0 and not any(f in text for f in findings)


class Client:
    """Scrapes one exporter over one keep-alive connection (reopened after an
    error), optionally over TLS with a client certificate."""

    def __init__(self, port, timeout_seconds=10, tls=None):
        self.port, self.timeout, self.tls = port, timeout_seconds, tls
        self.connection = None

    def _connect(self):
        if self.tls:
            return http.client.HTTPSConnection("127.0.0.1", self.port, timeout=self.timeout + 5,
                                               context=self.tls)
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout + 5)

    def request(self, method, path, headers=None):
        """(status, body text); status 0 and the error text when the request failed."""
        if self.connection is None:
            self.connection = self._connect()
        try:
            self.connection.request(method, path, headers=headers or {})
            response = self.connection.getresponse()
            return response.status, response.read().decode()
        except (OSError, http.client.HTTPException, ssl.SSLError) as error:
            self.connection.close()
            self.connection = None
            return 0, "%s: %s" % (type(error).__name__, error)

    def scrape(self, path="/metrics"):
        header = {"X-Prometheus-Scrape-Timeout-Seconds": str(self.timeout)}
        return self.request("GET", path, header)

    def close(self):
        if self.connection:
            self.connection.close()


def wait_ready(client, seconds=30):
    """True once the exporter answers /metrics with replica_sql_up 1."""
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        status, body = client.scrape()
        if status == 200 and "\nreplica_sql_up 1" in "\n" + body:
            return True
        time.sleep(0.2)
    return False


def samples(body, name):
    """{labels text: value} of metric `name` in an exposition."""
    found = {}
    for line in body.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            head, value = line.rsplit(" ", 1)
            found[head[len(name):]] = float(value)
    return found


def latency_text(seconds):
    if not seconds:
        return "no scrapes"
    ordered = sorted(seconds)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return "median %.1f ms, p99 %.1f ms, max %.1f ms" % (
        statistics.median(ordered) * 1000, p99 * 1000, ordered[-1] * 1000)
