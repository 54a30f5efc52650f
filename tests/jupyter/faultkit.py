"""Building blocks for the fault matrix (test_fault_matrix.py): a loopback raw-byte HTTP server
for faults the fake server cannot make, test certificates made with the openssl CLI, and
process probes (RSS, open files, threads) for the kernel."""
import json
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

INFO = {"KsqlServerInfo": {"version": "0.29.0", "kafkaClusterId": "raw-cluster", "ksqlServiceId": "raw_",
                           "serverStatus": "RUNNING"}}
V1_JSON = "application/vnd.ksql.v1+json"
DELIMITED = "application/vnd.ksqlapi.delimited.v1"


class RawServer:
    """A loopback HTTP/1.1 server that speaks raw bytes. Every connection is served by
    `handler(server, conn, request)` in its own thread (`request` is a dict with method, path,
    headers, body); with `info=True`, `GET /info` is answered normally first. It stops by
    itself after `lifetime` seconds (handlers should wait on `server.stopped`), and records
    every request in `server.requests`."""

    def __init__(self, handler, info=True, lifetime=60.0, host="127.0.0.1"):
        self.handler = handler
        self.info = info
        self.requests = []
        self.stopped = threading.Event()
        self.deadline = time.monotonic() + lifetime
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, 0))
        self.sock.listen(16)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://{host}:{self.port}"
        self._conns = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while not self.stopped.is_set() and time.monotonic() < self.deadline:
            try:
                conn, _ = self.sock.accept()
            except (socket.timeout, OSError):
                continue
            self._conns.append(conn)
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()
        self.stopped.set()
        self.sock.close()

    def _handle(self, conn):
        try:
            conn.settimeout(5)
            request = read_request(conn)
            if request is None:
                return
            self.requests.append(request)
            if self.info and request["path"] == "/info":
                respond(conn, 200, json.dumps(INFO), "application/json")
            else:
                self.handler(self, conn, request)
        except OSError:
            pass
        finally:
            try:
                conn.close()
            except OSError:
                pass

    def wait(self, seconds):
        """Waits up to `seconds` (or until the server stops); True when stopped."""
        return self.stopped.wait(min(seconds, max(0.0, self.deadline - time.monotonic())))

    def stop(self):
        self.stopped.set()
        self._thread.join(2)
        for c in self._conns:
            try:
                c.close()
            except OSError:
                pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def read_request(conn, limit=1 << 20):
    """One request (head and Content-Length body), or None when the peer sent no HTTP/1.1."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
        if data.startswith(b"PRI * HTTP/2") or len(data) > limit:
            return None
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, path, _ = (lines[0].split(" ") + ["", ""])[:3]
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0") or 0)
    while len(body) < min(length, limit):
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return {"method": method, "path": path, "headers": headers, "body": body.decode("utf-8", "replace")}


def head(status, content_type=None, chunked=False, length=None, extra=()):
    reason = {200: "OK", 307: "Temporary Redirect", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
              500: "Internal Server Error", 503: "Service Unavailable"}.get(status, "Status")
    lines = [f"HTTP/1.1 {status} {reason}"]
    if content_type:
        lines.append(f"Content-Type: {content_type}")
    if chunked:
        lines.append("Transfer-Encoding: chunked")
    if length is not None:
        lines.append(f"Content-Length: {length}")
    lines.append("Connection: close")
    lines += list(extra)
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def respond(conn, status, body="", content_type=None, extra=()):
    data = body.encode() if isinstance(body, str) else body
    conn.sendall(head(status, content_type if data else None, length=len(data), extra=extra) + data)


def chunk(data):
    data = data.encode() if isinstance(data, str) else data
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


LAST_CHUNK = b"0\r\n\r\n"


# ---- certificates (openssl CLI) ------------------------------------------------------------

def have_openssl():
    return shutil.which("openssl") is not None


def _openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]

CA_CONF = """[ca]
default_ca = ca_default
[ca_default]
database = index.txt
new_certs_dir = .
serial = serial.txt
default_md = sha256
policy = policy_any
copy_extensions = none
unique_subject = no
[policy_any]
commonName = supplied
"""


def make_pki(d: Path):
    """Two CAs and three server certificates signed by the first: `good` (127.0.0.1),
    `expired` (127.0.0.1, valid in 2020 only) and `elsewhere` (for elsewhere.example only)."""
    for ca in ("ca", "other-ca"):
        _openssl("req", "-x509", *EC, "-days", "2", "-subj", f"/CN={ca}", "-keyout", f"{ca}-key.pem",
                 "-out", f"{ca}.pem", "-addext", "basicConstraints=critical,CA:TRUE",
                 "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=d)
    (d / "ca.cnf").write_text(CA_CONF)
    (d / "index.txt").write_text("")
    (d / "serial.txt").write_text("1000\n")
    names = {"good": "IP:127.0.0.1", "expired": "IP:127.0.0.1", "elsewhere": "DNS:elsewhere.example"}
    for name, san in names.items():
        (d / f"{name}.ext").write_text(f"subjectAltName={san}\nextendedKeyUsage=serverAuth\n"
                                       "basicConstraints=CA:FALSE\n")
        _openssl("req", *EC, "-subj", f"/CN={name}", "-keyout", f"{name}-key.pem", "-out", f"{name}.csr", cwd=d)
        dates = ["-startdate", "20200101000000Z", "-enddate", "20200201000000Z"] if name == "expired" else ["-days", "2"]
        _openssl("ca", "-batch", "-config", "ca.cnf", "-cert", "ca.pem", "-keyfile", "ca-key.pem", "-notext",
                 "-in", f"{name}.csr", "-out", f"{name}.pem", "-extfile", f"{name}.ext", *dates, cwd=d)
    return d


# ---- process probes -----------------------------------------------------------------------

def proc_status(pid, field):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def rss_mb(pid):
    return proc_status(pid, "VmRSS") / 1024


def open_fds(pid):
    return len(list(Path(f"/proc/{pid}/fd").iterdir()))


def threads(pid):
    return proc_status(pid, "Threads")


class PeakRss:
    """Samples a process's RSS every 50 ms in a thread while in the `with` block."""

    def __init__(self, pid):
        self.pid = pid
        self.base = rss_mb(pid)
        self.peak = self.base
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.wait(0.05):
            try:
                self.peak = max(self.peak, rss_mb(self.pid))
            except (OSError, KeyError):
                return

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(1)
