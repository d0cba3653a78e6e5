"""`make links`: URLs found with file:line:column, checked in parallel against a local server the test starts."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from esurety.reconcile.links import RESERVED, check_links, check_url, find_links, report
from scripts import links as links_cli


class _Handler(BaseHTTPRequestHandler):
    routes = {"/ok": 200, "/moved": 301, "/loop": 302, "/missing": 404, "/broken": 500, "/nohead": 200}

    def _answer(self, body: bool) -> None:
        path = self.path.split("?")[0]
        if path == "/nohead" and self.command == "HEAD":
            self.send_response(405)
            self.end_headers()
            return
        status = self.routes.get(path, 404)
        self.send_response(status)
        if status == 301:
            self.send_header("Location", "/ok")
        if status == 302:
            self.send_header("Location", "/loop")
        self.send_header("Content-Length", "2")
        self.end_headers()
        if body:
            self.wfile.write(b"ok")

    def do_HEAD(self) -> None:
        self._answer(False)

    def do_GET(self) -> None:
        self._answer(True)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    """http://127.0.0.1:PORT on a port the system chose (port 0, read back)."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def silent() -> Iterator[str]:
    """A server that accepts connections and never answers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        sock.close()


@pytest.mark.parametrize("path, broken, redirected", [
    ("/ok", False, False), ("/moved", False, True), ("/nohead", False, False),
    ("/missing", True, False), ("/broken", True, False), ("/loop", True, True),
])
def test_status_and_redirects(server: str, path: str, broken: bool, redirected: bool) -> None:
    # GIVEN a URL answering with a status  WHEN checked  THEN broken or not, with its redirects
    result = check_url(server + path, timeout=2)
    assert result.broken is broken
    assert bool(result.redirects) is redirected
    if path == "/moved":
        assert result.redirects == [(301, server + "/ok")] and result.final_url == server + "/ok"


def test_a_server_that_never_answers_times_out(silent: str) -> None:
    started = time.monotonic()
    result = check_url(silent + "/", timeout=0.5)
    assert result.broken and "タイムアウト" in (result.error or "")
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("line, urls", [
    ("url: https://www.wjcs.net/", ["https://www.wjcs.net/"]),
    ("特設サイト（https://www.ejcs.co.jp/e-surety/）では", ["https://www.ejcs.co.jp/e-surety/"]),
    ("- 申込書: <https://www.wjcs.net/enet/enet.php>。", ["https://www.wjcs.net/enet/enet.php"]),
    ('<a href="https://a.jp/x?a=1&amp;b=2">x</a>', ["https://a.jp/x?a=1&b=2"]),
    ("see https://a.jp/p.html, then https://b.jp/.", ["https://a.jp/p.html", "https://b.jp/"]),
    ("https://guide.example.jp/ と http://127.0.0.1:8000/", []),
])
def test_urls_found_in_text(tmp_path: Path, line: str, urls: list[str]) -> None:
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "page.md").write_text("# t\n" + line + "\n", encoding="utf-8")
    assert [link.url for link in find_links(tmp_path)] == urls


def _site(root: Path, server: str, silent: str) -> None:
    (root / "data" / "usage").mkdir(parents=True)
    (root / "content" / "municipalities").mkdir(parents=True)
    (root / "output" / "x").mkdir(parents=True)
    (root / "data" / "guarantors.yaml").write_text(f"a:\n  url: {server}/ok\n  b: {server}/missing\n", encoding="utf-8")
    (root / "data" / "usage" / "u.yaml").write_text(f"url: {server}/broken\n", encoding="utf-8")
    (root / "content" / "municipalities" / "m.yaml").write_text(f"x: 1\nurl: {server}/moved\n", encoding="utf-8")
    (root / "content" / "faq.md").write_text(f"見て（<{silent}/>）。\n<{server}/missing>\n", encoding="utf-8")
    (root / "output" / "x" / "index.html").write_text(f'<p><a href="{server}/ok">ok</a></p>\n', encoding="utf-8")


def test_every_source_is_checked_and_broken_ones_are_placed(tmp_path: Path, server: str, silent: str) -> None:
    # GIVEN data, pages and built output holding URLs that answer 200, 301, 404, 500 and never
    _site(tmp_path, server, silent)
    # WHEN every link is checked, 8 at a time
    links = find_links(tmp_path, ignore=RESERVED, shown=Path("."))
    results = check_links(links, workers=8, timeout=0.5)
    lines, broken, moved = report(links, results)
    # THEN each URL is fetched once, and each broken place is reported as file:line:column
    assert len(results) == 5 and len(links) == 7
    assert (broken, moved) == (3, 1)
    places = {line.split(": ", 1)[0] for line in lines}
    assert places == {"data/guarantors.yaml:3:6", "data/usage/u.yaml:1:6", "content/faq.md:1:5", "content/faq.md:2:2",
                      "content/municipalities/m.yaml:2:6"}
    assert any(line.startswith("content/municipalities/m.yaml:2:6:") and "注意" in line for line in lines)
    assert not any("output/x/index.html" in line for line in lines)


def test_links_cli_exit_status(tmp_path: Path, server: str, silent: str, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN broken links  WHEN `make links` runs  THEN exit 1 and a Japanese summary; without them exit 0
    _site(tmp_path, server, silent)
    assert links_cli.main(["--root", str(tmp_path), "--timeout", "0.5", "--include-local"]) == 1
    assert "切れている 3 件" in capsys.readouterr().out
    ok = tmp_path / "ok"
    (ok / "data").mkdir(parents=True)
    (ok / "data" / "a.yaml").write_text(f"url: {server}/ok\n", encoding="utf-8")
    assert links_cli.main(["--root", str(ok), "--timeout", "0.5", "--include-local"]) == 0
