"""The local server: static files with the deployment's headers, /api/* through the real handler as a
payload 2.0 event, CloudFront's headers (viewer address, origin secret) never taken from a client, and
the audit log written to a file as JSON lines."""

from __future__ import annotations

import http.client
import json
import logging
import socket
import sys
import threading
import types
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import lambda_verify.handler as handler_module
from lambda_verify.security import SECURITY_HEADERS
from scripts import devserver

from .support import KEY, NUMBER, certificate_doc, put_certificate


class Server:
    def __init__(self, base: str, root: Path, httpd: Any):
        self.base = base
        self.root = root
        self.httpd = httpd

    def request(self, path: str, *, data: bytes | None = None, headers: dict[str, str] | None = None,
                method: str | None = None) -> tuple[int, dict[str, str], bytes]:
        req = urllib.request.Request(self.base + path, data=data, headers=headers or {}, method=method)

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args: Any, **kwargs: Any) -> None:
                return None

        opener = urllib.request.build_opener(NoRedirect)
        try:
            with opener.open(req, timeout=10) as resp:
                return resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read()
        except urllib.error.HTTPError as err:
            return err.code, {k.lower(): v for k, v in err.headers.items()}, err.read()


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    root = tmp_path / "output"
    (root / "lookup").mkdir(parents=True)
    (root / "theme" / "js").mkdir(parents=True)
    (root / "index.html").write_text("<!doctype html><title>top</title>", encoding="utf-8")
    (root / "lookup" / "index.html").write_text("<!doctype html><title>lookup</title>", encoding="utf-8")
    (root / "404.html").write_text("<!doctype html><title>404</title>見つかりません", encoding="utf-8")
    (root / "theme" / "js" / "lookup.js").write_text("void 0;", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("outside", encoding="utf-8")
    db = tmp_path / "verify.sqlite3"
    monkeypatch.setenv("VERIFY_DB", str(db))
    monkeypatch.delenv("CERTIFICATES_TABLE", raising=False)
    handler_module.reset()
    from lambda_verify.stores.sqlite import initialise

    initialise(db)
    store = handler_module.get_app().service.store
    put_certificate(store, certificate_doc(), KEY)
    httpd = devserver.make_server(0, root)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield Server(f"http://127.0.0.1:{httpd.port}", root, httpd)
    httpd.close()
    thread.join(timeout=5)
    handler_module.reset()


def test_binds_loopback_only(server: Server) -> None:
    """The listening socket is bound to 127.0.0.1 alone, on the port the server reports."""
    host, port = server.httpd.server.socket.getsockname()[:2]   # one listening socket (waitress TcpWSGIServer)
    assert (host, port) == ("127.0.0.1", server.httpd.port) and port != 0
    assert server.httpd.server_address == (host, port)
    # Another loopback address on the same port is refused: a server bound to 0.0.0.0 would answer it.
    with socket.create_connection(("127.0.0.1", port), timeout=5):
        pass
    with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.2", port), timeout=5):
        pass


@pytest.mark.parametrize("path, status, ctype", [
    ("/", 200, "text/html; charset=utf-8"),
    ("/lookup/", 200, "text/html; charset=utf-8"),
    ("/theme/js/lookup.js", 200, "text/javascript; charset=utf-8"),
    ("/no-such-page/", 404, "text/html; charset=utf-8"),
    ("/../secret.txt", 404, "text/html; charset=utf-8"),
    ("/%2e%2e/secret.txt", 404, "text/html; charset=utf-8"),
])
def test_static_files_carry_the_security_headers(server: Server, path: str, status: int, ctype: str) -> None:
    code, headers, body = server.request(path)
    assert code == status
    assert headers["content-type"] == ctype
    for name, value in SECURITY_HEADERS.items():
        assert headers[name.lower()] == value
    assert "strict-transport-security" not in headers
    if status == 404:
        assert "見つかりません" in body.decode()
        assert b"outside" not in body


def test_directory_without_slash_redirects(server: Server) -> None:
    code, headers, _ = server.request("/lookup")
    assert code in (301, 302) and urllib.parse.urljoin("/lookup", headers["location"]) == "/lookup/"
    assert headers["x-frame-options"] == "DENY"


def test_form_post_reaches_the_handler_and_returns_the_certificate(server: Server) -> None:
    body = urllib.parse.urlencode({"guarantee_number": NUMBER, "access_key": KEY}).encode()
    code, headers, page = server.request("/api/verify", data=body,
                                         headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert code == 200
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert headers["cache-control"] == "no-store"
    assert headers["content-security-policy"] == SECURITY_HEADERS["Content-Security-Policy"]
    assert "保証証書（前払金保証）" in page.decode()


def test_json_post_as_the_page_sends_it(server: Server) -> None:
    """A plain JSON POST, no signature or body hash: what lookup.js sends, and what CloudFront passes on."""
    body = json.dumps({"guarantee_number": NUMBER, "access_key": KEY}).encode()
    code, _, answer = server.request("/api/verify", data=body,
                                     headers={"Content-Type": "application/json", "Accept": "application/json"})
    assert code == 200 and json.loads(answer)["status"] == "shown"


def test_origin_secret_is_added_like_cloudfront_does(server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    """With ORIGIN_VERIFY_SECRET the server plays CloudFront: it sends the secret, a client's value never counts."""
    monkeypatch.setenv("ORIGIN_VERIFY_SECRET", "local-origin-secret")
    handler_module.reset()  # the function reads its settings once
    seen: list[dict[str, Any]] = []
    real = handler_module.handler

    def spy(event: dict[str, Any], context: Any) -> dict[str, Any]:
        seen.append(event)
        return real(event, context)

    monkeypatch.setattr(handler_module, "handler", spy)
    body = urllib.parse.urlencode({"guarantee_number": NUMBER, "access_key": KEY}).encode()
    code, _, page = server.request("/api/verify", data=body, headers={
        "Content-Type": "application/x-www-form-urlencoded", "X-Origin-Verify": "guessed"})
    assert code == 200 and "保証証書（前払金保証）" in page.decode()
    assert seen[0]["headers"]["x-origin-verify"] == "local-origin-secret"
    # Past the server (as past CloudFront, straight to the API) the function refuses the request.
    direct = dict(seen[0], headers={k: v for k, v in seen[0]["headers"].items() if k != "x-origin-verify"})
    assert real(direct, None)["statusCode"] == 403


def test_client_sent_origin_header_is_dropped(server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[dict[str, Any]] = []
    real = handler_module.handler
    monkeypatch.delenv("ORIGIN_VERIFY_SECRET", raising=False)

    def spy(event: dict[str, Any], context: Any) -> dict[str, Any]:
        seen.append(event)
        return real(event, context)

    monkeypatch.setattr(handler_module, "handler", spy)
    server.request("/api/verify", data=b"{}", headers={"Content-Type": "application/json", "X-Origin-Verify": "x"})
    assert "x-origin-verify" not in seen[0]["headers"]


def test_audit_lines_go_to_the_audit_file(server: Server, tmp_path: Path) -> None:
    """One JSON line per lookup in the file, with outcome and number: the local record of views."""
    path = tmp_path / "var" / "audit.log"
    file_handler = devserver.log_audit_to_file(path)
    try:
        body = json.dumps({"guarantee_number": NUMBER, "access_key": KEY}).encode()
        for _ in range(2):
            assert server.request("/api/verify", data=body, headers={"Content-Type": "application/json"})[0] == 200
        wrong = json.dumps({"guarantee_number": NUMBER, "access_key": "WRONGKEY2345"}).encode()
        assert server.request("/api/verify", data=wrong, headers={"Content-Type": "application/json"})[0] == 400
    finally:
        logging.getLogger("lambda_verify.audit").removeHandler(file_handler)
        file_handler.close()
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [(x["outcome"], x["guarantee_number"]) for x in lines] == [("shown", NUMBER), ("shown", NUMBER),
                                                                      ("no_match", NUMBER)]
    assert KEY not in path.read_text(encoding="utf-8")


def test_audit_file_sits_beside_the_store(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("CERTIFICATES_TABLE", raising=False)
    monkeypatch.delenv("VERIFY_AUDIT_LOG", raising=False)
    monkeypatch.setenv("VERIFY_DB", str(tmp_path / "store" / "verify.sqlite3"))
    assert devserver.audit_log_path() == tmp_path / "store" / "audit.log"
    monkeypatch.delenv("VERIFY_DB")
    assert devserver.audit_log_path() == devserver.ROOT / "var" / "audit.log"
    monkeypatch.setenv("VERIFY_AUDIT_LOG", str(tmp_path / "elsewhere.log"))
    assert devserver.audit_log_path() == tmp_path / "elsewhere.log"


def test_client_cannot_set_the_viewer_address(server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[dict[str, Any]] = []
    real = handler_module.handler

    def spy(event: dict[str, Any], context: Any) -> dict[str, Any]:
        seen.append(event)
        return real(event, context)

    monkeypatch.setattr(handler_module, "handler", spy)
    body = json.dumps({"guarantee_number": NUMBER, "access_key": KEY}).encode()
    server.request("/api/verify", data=body, headers={"Content-Type": "application/json",
                                                      "CloudFront-Viewer-Address": "203.0.113.9:443"})
    (event,) = seen
    assert "cloudfront-viewer-address" not in event["headers"]
    assert event["requestContext"]["http"]["sourceIp"] == "127.0.0.1"
    assert event["version"] == "2.0" and event["rawPath"] == "/api/verify"
    assert event["requestContext"]["http"]["method"] == "POST"


def test_api_errors_and_methods(server: Server) -> None:
    assert server.request("/api/verify")[0] == 405
    assert server.request("/api/other", data=b"{}", headers={"Content-Type": "application/json"})[0] == 404
    assert server.request("/", data=b"x", headers={"Content-Type": "text/plain"})[0] == 405
    # a client announcing a huge body is answered without the server reading it
    conn = http.client.HTTPConnection(server.base.removeprefix("http://"), timeout=10)
    conn.putrequest("POST", "/api/verify")
    conn.putheader("Content-Type", "application/json")
    conn.putheader("Content-Length", str(devserver.MAX_FORWARD_BYTES + 1))
    conn.endheaders()
    assert conn.getresponse().status == 413
    conn.close()
    assert server.request("/api/verify", data=b"x" * 5000, headers={"Content-Type": "application/json"})[0] == 413


def test_rebuild_keeps_serving_when_the_build_fails(caplog: pytest.LogCaptureFixture, tmp_path: Path) -> None:
    class DataErrors(Exception):
        def report(self) -> str:
            return "content/municipalities/x.yaml:3:1: 誤り"

    def broken(output: Path, *, incremental: bool) -> None:
        raise DataErrors()

    built: list[tuple[Path, bool]] = []
    assert devserver.rebuild(broken, tmp_path) is False
    assert "x.yaml:3:1" in caplog.text
    assert devserver.rebuild(lambda out, *, incremental: built.append((out, incremental)), tmp_path) is True
    assert built == [(tmp_path, True)]


def test_build_site_is_found_when_it_exists() -> None:
    from scripts.build import build_site

    assert devserver._build_site() is build_site


def test_without_build_site_the_watcher_serves_output_as_it_is(monkeypatch: pytest.MonkeyPatch,
                                                               caplog: pytest.LogCaptureFixture,
                                                               tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "scripts.build", types.ModuleType("scripts.build"))  # no build_site in it
    with caplog.at_level(logging.WARNING):
        assert devserver._build_site() is None
    assert "build_site" in caplog.text
    devserver.watch(tmp_path, threading.Event())    # returns at once instead of watching
    assert list(tmp_path.iterdir()) == []


def test_help_names_the_folder_option(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        devserver.main(["--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: python -m scripts.devserver")
    for option, text in (("--root", "表示するフォルダ（既定 output/）"), ("--port", "ポート番号（既定 8000）"),
                         ("--watch", "の変更で作り直す")):
        assert option in out and text in out


def test_a_port_in_use_is_named_and_exits_1(server: Server, capsys: pytest.CaptureFixture[str],
                                            tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VERIFY_AUDIT_LOG", str(tmp_path / "audit.log"))
    try:
        assert devserver.main(["--port", str(server.httpd.port), "--root", str(server.root)]) == 1
    finally:
        for h in logging.getLogger("lambda_verify.audit").handlers[:]:
            if getattr(h, "baseFilename", None) == str(tmp_path / "audit.log"):
                logging.getLogger("lambda_verify.audit").removeHandler(h)
                h.close()
    assert f"127.0.0.1:{server.httpd.port} を使えません" in capsys.readouterr().err
