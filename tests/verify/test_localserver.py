"""The local server under load and abuse: waitress, WhiteNoise and the payload 2.0 translation.

5,000 lookups over new connections with 256 file descriptors, 50 slow clients beside a normal one,
request smuggling attempts, the server's own error answers, long path segments, idle connections.
"""

from __future__ import annotations

import json
import os
import re
import resource
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import lambda_verify.handler as handler_module
from lambda_verify.security import SECURITY_HEADERS
from lambda_verify.stores.sqlite import SqliteStore
from scripts import devserver
from scripts.moto_server import free_port

from .support import KEY, NUMBER, ROOT, certificate_doc, put_certificate

LOOKUP = json.dumps({"guarantee_number": NUMBER, "access_key": KEY}).encode()


def site(tmp_path: Path) -> Path:
    root = tmp_path / "output"
    (root / "lookup").mkdir(parents=True)
    (root / "index.html").write_text("<!doctype html><title>top</title>", encoding="utf-8")
    (root / "lookup" / "index.html").write_text("<!doctype html><title>lookup</title>", encoding="utf-8")
    (root / "404.html").write_text("<!doctype html><title>404</title>見つかりません", encoding="utf-8")
    return root


def demo_store(tmp_path: Path) -> Path:
    db = tmp_path / "verify.sqlite3"
    store = SqliteStore(db, create=True)
    put_certificate(store, certificate_doc(), KEY)
    store.close()
    return db


def raw_exchange(port: int, data: bytes, *, wait: float = 1.0) -> bytes:
    """Send raw bytes on one connection (from a thread) and read everything the server sends back until it
    closes, resets or idles — a server refusing a request may close before all of it was sent."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        def send() -> None:
            try:
                sock.sendall(data)
            except OSError:
                pass

        sender = threading.Thread(target=send, daemon=True)
        sender.start()
        sock.settimeout(wait)
        chunks = []
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
        except (TimeoutError, ConnectionResetError):
            pass
        sender.join(timeout=5)
    return b"".join(chunks)


def statuses_in(response: bytes) -> list[bytes]:
    return re.findall(rb"HTTP/1\.1 (\d{3}) ", response)


def headers_of(response: bytes) -> dict[str, str]:
    head = response.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")[1:]
    return {line.split(":", 1)[0].lower(): line.split(":", 1)[1].strip() for line in head if ":" in line}


@pytest.fixture
def local(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """An in-process server with a short idle timeout."""
    monkeypatch.setenv("VERIFY_DB", str(demo_store(tmp_path)))
    monkeypatch.delenv("CERTIFICATES_TABLE", raising=False)
    monkeypatch.delenv("ORIGIN_VERIFY_SECRET", raising=False)
    handler_module.reset()
    server = devserver.make_server(0, site(tmp_path), channel_timeout=2)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.close()
    thread.join(timeout=5)
    handler_module.reset()


# ---------------------------------------------------------------------- the server's own answers


@pytest.mark.parametrize("request_bytes,status", [
    (b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20_000 + b"\r\n\r\n", 431),
    (b"GET /" + b"a" * 20_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 431),
    (b"POST /api/verify HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
    (b"POST /api/verify HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400),
    (b"POST /api/verify HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n", 413),
])
def test_the_servers_own_error_answers_carry_the_security_headers(local: Any, request_bytes: bytes,
                                                                  status: int) -> None:
    response = raw_exchange(local.port, request_bytes)
    assert re.match(rf"HTTP/1\.[01] {status} ".encode(), response), response[:100]
    headers = headers_of(response)
    for name, value in SECURITY_HEADERS.items():
        assert headers.get(name.lower()) == value, name


def test_a_long_path_segment_gets_a_404_with_headers(local: Any) -> None:
    for length in (256, 300, 4000):
        response = raw_exchange(local.port, f"GET /{'a' * length}/x.html HTTP/1.1\r\nHost: x\r\nConnection: close"
                                            "\r\n\r\n".encode())
        assert response.startswith(b"HTTP/1.1 404"), response[:80]
        assert headers_of(response)["x-frame-options"] == "DENY"
    response = raw_exchange(local.port, b"GET /%00/../index.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert response.split(b" ", 2)[1] in (b"400", b"404")


# ---------------------------------------------------------------------- no desync


def test_a_body_sent_to_a_static_path_is_not_read_as_a_request(local: Any) -> None:
    smuggled = (b"POST /api/verify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Content-Length: " + str(len(LOOKUP)).encode() + b"\r\n\r\n" + LOOKUP)
    data = (b"POST /index.html HTTP/1.1\r\nHost: x\r\nContent-Length: " + str(len(smuggled)).encode() +
            b"\r\n\r\n" + smuggled + b"GET /lookup/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    response = raw_exchange(local.port, data)
    assert statuses_in(response) == [b"405", b"200"]  # the POST to a page, then the GET; the smuggled lookup never ran
    assert b"shown" not in response


def test_a_chunked_lookup_is_one_request(local: Any) -> None:
    half = len(LOOKUP) // 2
    chunked = (f"{half:x}\r\n".encode() + LOOKUP[:half] + b"\r\n" +
               f"{len(LOOKUP) - half:x}\r\n".encode() + LOOKUP[half:] + b"\r\n0\r\n\r\n")
    data = (b"POST /api/verify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n" + chunked + b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    response = raw_exchange(local.port, data)
    assert statuses_in(response) == [b"200", b"200"]
    assert b'"status":"shown"' in response


# ---------------------------------------------------------------------- slow and idle clients


def test_fifty_slow_clients_do_not_block_others(local: Any) -> None:
    slow = []
    for _ in range(50):
        sock = socket.create_connection(("127.0.0.1", local.port), timeout=5)
        sock.sendall(b"POST /api/verify HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")  # and then nothing
        slow.append(sock)
    try:
        started = time.monotonic()
        req = urllib.request.Request(f"http://127.0.0.1:{local.port}/api/verify", data=LOOKUP,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=5) as resp:
            assert resp.status == 200
        assert time.monotonic() - started < 2.0
        with urllib.request.urlopen(f"http://127.0.0.1:{local.port}/lookup/", timeout=5) as resp:
            assert resp.status == 200
    finally:
        for sock in slow:
            sock.close()


def test_idle_connections_are_closed(local: Any) -> None:
    sock = socket.create_connection(("127.0.0.1", local.port), timeout=10)
    started = time.monotonic()
    sock.settimeout(10)
    assert sock.recv(100) == b""  # the server closes the silent connection
    assert time.monotonic() - started < 8
    sock.close()


# ---------------------------------------------------------------------- many connections, few descriptors


def _limit_descriptors() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))


@pytest.mark.slow
def test_five_thousand_lookups_over_new_connections_with_256_descriptors(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "VERIFY_DB": str(demo_store(tmp_path)), "VERIFY_AUDIT_LOG": str(tmp_path / "audit.log")}
    env.pop("CERTIFICATES_TABLE", None)
    env.pop("ORIGIN_VERIFY_SECRET", None)
    proc = subprocess.Popen([sys.executable, "-m", "scripts.devserver", "--port", str(port), "--root",
                             str(site(tmp_path))], cwd=ROOT, env=env, preexec_fn=_limit_descriptors,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline and proc.poll() is None
                time.sleep(0.1)
        statuses: Counter[int] = Counter()
        failures: list[str] = []
        lock = threading.Lock()
        descriptors: list[int] = []

        def client(count: int) -> None:
            for i in range(count):
                body = LOOKUP if i % 10 else b"[" * 500 + b"]" * 500  # now and then a hostile body
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
                        sock.sendall(b"POST /api/verify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                     b"Connection: close\r\nContent-Length: " + str(len(body)).encode() +
                                     b"\r\n\r\n" + body)
                        data = b""
                        while chunk := sock.recv(65536):
                            data += chunk
                    status = int(data.split(b" ", 2)[1])
                    with lock:
                        statuses[status] += 1
                except (OSError, ValueError, IndexError) as exc:
                    with lock:
                        failures.append(repr(exc))

        threads = [threading.Thread(target=client, args=(625,)) for _ in range(8)]
        for t in threads:
            t.start()
        while any(t.is_alive() for t in threads):
            descriptors.append(len(os.listdir(f"/proc/{proc.pid}/fd")))
            time.sleep(0.5)
        for t in threads:
            t.join()
        assert failures == []
        assert sum(statuses.values()) == 5000
        hostile = 8 * len(range(0, 625, 10))
        assert statuses == {200: 5000 - hostile, 400: hostile}
        assert max(descriptors) < 200
        assert proc.poll() is None
    finally:
        proc.terminate()
        proc.wait(timeout=10)
