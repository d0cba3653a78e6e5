"""The local server under load and abuse: waitress, WhiteNoise and the payload 2.0 translation.

5,000 lookups over new connections with 256 file descriptors, 50 slow clients beside a normal one,
request smuggling attempts, the server's own error answers, long path segments, idle connections;
and what the tests rely on: port 0 and the printed address, ``X-Forwarded-For`` believed only when
asked, the lookup clock read from a file.
"""

from __future__ import annotations

import json
import logging
import os
import re
import resource
import socket
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import lambda_verify.handler as handler_module
from esurety.devtools import StartError, request, start, start_devserver
from esurety.devtools.processes import DEVSERVER_READY
from esurety.localserver import FORWARDED_FOR, FileClock, write_clock_file
from lambda_verify.audit import AUDIT_LOGGER
from lambda_verify.limits import CLIENT_LIMIT
from lambda_verify.security import SECURITY_HEADERS
from lambda_verify.stores.sqlite import SqliteStore
from scripts import devserver

from .support import KEY, NUMBER, certificate_doc, put_certificate

LOOKUP = json.dumps({"guarantee_number": NUMBER, "access_key": KEY}).encode()
WRONG = {"guarantee_number": NUMBER, "access_key": "ZZZZZZZZZZZZZZZZ"}
RIGHT = {"guarantee_number": NUMBER, "access_key": KEY}


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
def start_local(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Start in-process servers over a fresh demo store (``make_server`` options as keywords); all stopped after."""
    monkeypatch.setenv("VERIFY_DB", str(demo_store(tmp_path)))
    monkeypatch.delenv("CERTIFICATES_TABLE", raising=False)
    monkeypatch.delenv("ORIGIN_VERIFY_SECRET", raising=False)
    handler_module.reset()
    running: list[tuple[Any, threading.Thread]] = []

    def start(**options: Any) -> Any:
        server = devserver.make_server(0, site(tmp_path), **options)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        running.append((server, thread))
        return server

    yield start
    for server, thread in running:
        server.close()
        thread.join(timeout=5)
    handler_module.reset()


@pytest.fixture
def local(start_local: Any) -> Any:
    """An in-process server with a short idle timeout."""
    return start_local(channel_timeout=2)


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
        answer = request(f"http://127.0.0.1:{local.port}/api/verify", body=LOOKUP,
                         headers={"Content-Type": "application/json"}, timeout=5)
        assert answer.status == 200
        assert time.monotonic() - started < 2.0
        assert request(f"http://127.0.0.1:{local.port}/lookup/", timeout=5).status == 200
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
    env = {**os.environ, "VERIFY_DB": str(demo_store(tmp_path)), "VERIFY_AUDIT_LOG": str(tmp_path / "audit.log")}
    env.pop("CERTIFICATES_TABLE", None)
    env.pop("ORIGIN_VERIFY_SECRET", None)
    server = start_devserver(site(tmp_path), log=tmp_path / "devserver.log", env=env,
                             preexec_fn=_limit_descriptors)
    port, proc = server.port, server.process
    with server:
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


# ---------------------------------------------------------------------- port 0, forwarded addresses, the clock


def test_port_zero_binds_a_free_port_and_prints_it(tmp_path: Path) -> None:
    """``--port 0``: the server says which port it got, and that is the port that answers."""
    env = {**os.environ, "VERIFY_DB": str(demo_store(tmp_path)), "VERIFY_AUDIT_LOG": str(tmp_path / "audit.log")}
    env.pop("CERTIFICATES_TABLE", None)
    with start_devserver(site(tmp_path), log=tmp_path / "devserver.log", env=env) as server:
        assert server.port != 0
        lines = [line for line in server.log_text().splitlines() if "で表示しています" in line]
        assert lines == [f"http://127.0.0.1:{server.port}/ で表示しています（止めるには Ctrl+C）。"]
        answer = request(f"http://127.0.0.1:{server.port}/lookup/")
        assert (answer.status, answer.body) == (200, "<!doctype html><title>lookup</title>")


def audit_networks(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [json.loads(r.getMessage())["client_network"] for r in caplog.records if r.name == AUDIT_LOGGER]


@pytest.mark.parametrize("trusted", [False, True])
def test_forwarded_for_names_the_client_only_when_trusted(start_local: Any, caplog: pytest.LogCaptureFixture,
                                                          trusted: bool) -> None:
    """One address fills its limit (and the number's) with wrong keys; the right key then comes from another.

    Believed, the other address is a client with a clean record and gets the certificate; not believed
    (the default), both are 127.0.0.1 and the second is refused with the first.
    """
    server = start_local(trust_forwarded_for=trusted)
    api = f"http://127.0.0.1:{server.port}/api/verify"
    caplog.set_level(logging.INFO, logger=AUDIT_LOGGER)
    first = [request(api, json=WRONG, headers={FORWARDED_FOR: "203.0.113.9"}).status
             for _ in range(CLIENT_LIMIT.max_attempts)]
    assert first == [400] * CLIENT_LIMIT.max_attempts
    other = request(api, json=RIGHT, headers={FORWARDED_FOR: "198.51.100.20"})
    assert other.status == (200 if trusted else 429)
    networks = audit_networks(caplog)
    if trusted:
        assert networks == ["203.0.113.0/24"] * CLIENT_LIMIT.max_attempts + ["198.51.100.0/24"]
    else:
        assert networks == ["127.0.0.0/24"] * (CLIENT_LIMIT.max_attempts + 1)


def test_the_lookup_clock_stands_where_the_clock_file_says(start_local: Any, tmp_path: Path) -> None:
    """With a clock file, the limits' window is the file's time: it does not move by itself, and moves when
    the file does."""
    clock_file = tmp_path / "clock"
    start = 1_800_000_000.0
    write_clock_file(clock_file, start)
    server = start_local(trust_forwarded_for=True, clock=FileClock(clock_file))
    api = f"http://127.0.0.1:{server.port}/api/verify"
    window = CLIENT_LIMIT.window_seconds
    answers = [request(api, json=WRONG) for _ in range(CLIENT_LIMIT.max_attempts + 1)]
    assert [a.status for a in answers] == [400] * CLIENT_LIMIT.max_attempts + [429]
    assert answers[-1].headers["retry-after"] == str(window)
    time.sleep(1.1)  # real time passes; the lookup's does not
    assert request(api, json=WRONG).headers["retry-after"] == str(window)
    write_clock_file(clock_file, start + window - 1)
    assert request(api, json=WRONG).headers["retry-after"] == "1"
    write_clock_file(clock_file, start + window)  # every attempt made at ``start`` is out of the window
    assert request(api, json=RIGHT).status == 200


def test_a_server_that_exits_before_listening_is_reported_with_its_output(tmp_path: Path) -> None:
    command = [sys.executable, "-c", "import sys; print('cannot bind'); sys.exit(3)"]
    with pytest.raises(StartError, match=r"exited with 3(.|\n)*cannot bind"):
        start(command, ready=DEVSERVER_READY, log=tmp_path / "server.log", timeout=10)


def test_a_server_that_never_says_where_it_listens_is_stopped(tmp_path: Path) -> None:
    command = [sys.executable, "-c", "import time; print('starting', flush=True); time.sleep(60)"]
    started = time.monotonic()
    with pytest.raises(StartError, match=r"did not say where it listens(.|\n)*starting"):
        start(command, ready=DEVSERVER_READY, log=tmp_path / "server.log", timeout=1)
    assert time.monotonic() - started < 10  # stopped, not waited for
