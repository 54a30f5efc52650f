"""HTTPS: a private CA, certificate verification, the explicit opt-out, mutual TLS, and Basic
auth over TLS the way Confluent Cloud uses it. Certificates are made with the openssl CLI."""
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from jupyter_client.manager import start_new_kernel

import harness
from harness import execute, texts

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl CLI")


def _openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def pki():
    d = Path(tempfile.mkdtemp(prefix="ksqldb-tls-"))
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=test-ca",
             "-keyout", "ca-key.pem", "-out", "ca.pem",
             "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
             cwd=d)
    (d / "server.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n")
    (d / "client.ext").write_text("extendedKeyUsage=clientAuth\n")
    for name in ("server", "client"):
        _openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={name}",
                 "-keyout", f"{name}-key.pem", "-out", f"{name}.csr", cwd=d)
        _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca-key.pem",
                 "-CAcreateserial", "-days", "2", "-out", f"{name}.pem", "-extfile", f"{name}.ext", cwd=d)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def _run(env, code):
    km, kc = start_new_kernel(kernel_name=harness.KERNEL_NAME, env=dict(os.environ, **env), startup_timeout=30)
    try:
        return execute(kc, code, timeout=30)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def test_https_with_private_ca(pki):
    server = harness.FakeServer("current", extra=["--tls-cert", str(pki / "server.pem"), "--tls-key", str(pki / "server-key.pem")])
    try:
        assert server.url.startswith("https://")
        reply, outputs = _run({"KSQLDB_URL": server.url, "KSQLDB_CA_FILE": str(pki / "ca.pem")}, "SHOW STREAMS;")
        assert reply["content"]["status"] == "ok", texts(outputs)
        assert "RIDERS" in texts(outputs)
        # Without the CA the certificate is rejected, with a message that says so.
        reply, outputs = _run({"KSQLDB_URL": server.url}, "SHOW STREAMS;")
        assert reply["content"]["status"] == "error"
        assert "certificate" in texts(outputs).lower()
        # The explicit opt-out works, and the banner says verification is off.
        reply, outputs = _run({"KSQLDB_URL": server.url, "KSQLDB_INSECURE_SKIP_VERIFY": "1"}, "SHOW STREAMS;")
        assert reply["content"]["status"] == "ok", texts(outputs)
        assert "verification OFF" in texts(outputs)
    finally:
        server.stop()


def test_mutual_tls(pki):
    server = harness.FakeServer("current", extra=[
        "--tls-cert", str(pki / "server.pem"), "--tls-key", str(pki / "server-key.pem"),
        "--client-ca", str(pki / "ca.pem")])
    try:
        env = {"KSQLDB_URL": server.url, "KSQLDB_CA_FILE": str(pki / "ca.pem")}
        reply, outputs = _run(dict(env, KSQLDB_CLIENT_CERT=str(pki / "client.pem"),
                                   KSQLDB_CLIENT_KEY=str(pki / "client-key.pem")), "SHOW STREAMS;")
        assert reply["content"]["status"] == "ok", texts(outputs)
        assert "mTLS" in texts(outputs)
        reply, outputs = _run(env, "SHOW STREAMS;")
        assert reply["content"]["status"] == "error"
    finally:
        server.stop()


def test_basic_auth_over_tls_like_confluent_cloud(pki):
    server = harness.FakeServer("current", version="7.5.0", extra=[
        "--tls-cert", str(pki / "server.pem"), "--tls-key", str(pki / "server-key.pem"),
        "--basic", "APIKEY123:s3cr3t-value"])
    try:
        env = {"KSQLDB_URL": server.url, "KSQLDB_CA_FILE": str(pki / "ca.pem"), "KSQLDB_API_KEY": "APIKEY123"}
        reply, outputs = _run(dict(env, KSQLDB_API_SECRET="s3cr3t-value"), "SHOW STREAMS;\n%session")
        assert reply["content"]["status"] == "ok", texts(outputs)
        everything = texts(outputs) + texts(outputs, "text/html")
        assert "APIKEY123" in everything
        assert "s3cr3t-value" not in everything
        auth = [r["headers"].get("authorization", "") for r in server.requests()]
        assert auth and all(a.startswith("Basic ") for a in auth)
        reply, outputs = _run(dict(env, KSQLDB_API_SECRET="wrong"), "SHOW STREAMS;")
        assert reply["content"]["status"] == "error"
        message = texts(outputs)
        assert "401" in message and "not active yet" in message
        assert "wrong" not in message.replace("is wrong", "")
    finally:
        server.stop()
