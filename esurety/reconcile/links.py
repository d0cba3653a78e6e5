"""Check every external URL of the data, the pages and the built site, and say where each broken one is.

URLs are collected from data/*.yaml, data/usage/*.yaml, content/**/*.yaml, content/**/*.md and —
when the site has been built — output/**/*.html, each with its file:line:column. Each distinct URL
is fetched once (HEAD, then GET when the server refuses HEAD), redirects are followed by hand so the
report can show where a link now goes, and a bounded pool of threads keeps the run short without
flooding anyone's server. Reserved example hosts (example.jp, *.test, localhost …) are skipped.
"""

from __future__ import annotations

import html
import logging
import re
import socket
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

logger = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_IGNORE",
    "LOCAL",
    "RESERVED",
    "SOURCES",
    "Link",
    "Result",
    "check_links",
    "check_url",
    "find_links",
    "report",
]

#: Where URLs are looked for, relative to the project root.
SOURCES: tuple[str, ...] = ("data/*.yaml", "data/usage/*.yaml", "content/**/*.yaml", "content/**/*.md", "output/**/*.html")
#: Hosts that are never real (RFC 2606 / 6761) and the machine itself.
RESERVED = re.compile(r"^https?://(?:[^/]*\.)?(?:example\.(?:jp|com|org|net)|[^/]*\.(?:test|example|invalid))(?::\d+)?(?:/|$)")
#: ... and the machine itself (the preview server); `make links ARGS=--include-local` checks those too.
LOCAL = re.compile(r"^https?://(?:localhost|127\.0\.0\.1|\[::1\]|[^/]*\.localhost)(?::\d+)?(?:/|$)")
DEFAULT_IGNORE = re.compile(f"{RESERVED.pattern}|{LOCAL.pattern}")
_URL_RE = re.compile(r"https?://[A-Za-z0-9\-._~:/?#\[\]@!$&'*+,;=%]+")
_TRAILING = ".,;:!?'\")]}>"
USER_AGENT = "esurety-guide-linkcheck/1.0 (+make links)"
MAX_REDIRECTS = 5


@dataclass(frozen=True)
class Link:
    """One URL at one place."""

    url: str
    file: str
    line: int
    column: int

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass
class Result:
    """What fetching one URL gave."""

    url: str
    status: int | None = None
    final_url: str | None = None
    redirects: list[tuple[int, str]] = field(default_factory=list)
    error: str | None = None

    @property
    def broken(self) -> bool:
        return self.error is not None or self.status is None or self.status >= 400

    @property
    def reason(self) -> str:
        """In Japanese, for the report."""
        if self.error:
            return self.error
        if self.status is not None and self.status >= 500:
            return f"サーバーの誤り（HTTP {self.status}）。しばらくしてもう一度確かめてください。"
        if self.status == 404 or self.status == 410:
            return f"ページがありません（HTTP {self.status}）。移転先を探して URL を直してください。"
        if self.status in (401, 403):
            return f"アクセスが拒否されました（HTTP {self.status}）。ブラウザで開けるか確かめてください。"
        if self.status is not None and self.status >= 400:
            return f"開けません（HTTP {self.status}）。"
        if self.redirects:
            return f"転送されます（{' → '.join(f'{c} {u}' for c, u in self.redirects)}）。転送先の URL に直すことを勧めます。"
        return f"HTTP {self.status}"


def _strip(url: str) -> str:
    url = html.unescape(url)
    while url and url[-1] in _TRAILING:
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break
        url = url[:-1]
    return url


def _files(root: Path, patterns: Iterable[str]) -> list[Path]:
    seen: dict[Path, None] = {}
    for pattern in patterns:
        for path in sorted(root.glob(pattern)):
            if path.is_file():
                seen.setdefault(path, None)
    return list(seen)


def find_links(root: Path, patterns: Iterable[str] = SOURCES, ignore: re.Pattern[str] | None = DEFAULT_IGNORE,
               shown: Path | None = None) -> list[Link]:
    """Every external URL in the files, with where it is (``shown`` replaces ``root`` in file names)."""
    links = []
    for path in _files(root, patterns):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            logger.warning("skipped %s: %s", path, exc)
            continue
        name = str((shown / path.relative_to(root)) if shown is not None else path)
        for lineno, line in enumerate(text.splitlines(), start=1):
            for m in _URL_RE.finditer(line):
                url = _strip(m.group(0))
                if len(url) <= len("https://") or (ignore is not None and ignore.match(url)):
                    continue
                links.append(Link(url, name, lineno, m.start() + 1))
    return links


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:  # type: ignore[override]
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def _fetch(url: str, method: str, timeout: float) -> tuple[int, str | None]:
    request = urllib.request.Request(url, method=method, headers={"User-Agent": USER_AGENT, "Accept": "*/*"})
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return response.status, None
    except urllib.error.HTTPError as exc:
        location = exc.headers.get("Location") if exc.headers else None
        exc.close()
        return exc.code, location


def check_url(url: str, timeout: float = 10.0) -> Result:
    """Fetch one URL, following up to MAX_REDIRECTS redirects by hand."""
    result = Result(url)
    current = url
    try:
        for _hop in range(MAX_REDIRECTS + 1):
            status, location = _fetch(current, "HEAD", timeout)
            if status in (403, 405, 501) or (status >= 400 and status != 404):
                status, location = _fetch(current, "GET", timeout)
            if 300 <= status < 400 and location:
                current = urllib.parse.urljoin(current, location)
                result.redirects.append((status, current))
                continue
            result.status, result.final_url = status, current
            return result
        result.error = f"転送が {MAX_REDIRECTS} 回を超えました（転送の繰り返し）。"
    except TimeoutError:
        result.error = f"{timeout:g} 秒待っても応答がありません（タイムアウト）。"
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, (socket.timeout, TimeoutError)):
            result.error = f"{timeout:g} 秒待っても応答がありません（タイムアウト）。"
        elif isinstance(reason, socket.gaierror):
            result.error = "サーバーの名前が見つかりません（ドメインがなくなったか、綴りの誤り）。"
        elif isinstance(reason, ConnectionRefusedError):
            result.error = "接続を拒否されました（サーバーが動いていません）。"
        else:
            result.error = f"接続できません（{reason}）。"
    except (ConnectionError, OSError, ValueError) as exc:  # reset connections, bad URLs, TLS errors
        result.error = f"接続できません（{type(exc).__name__}: {exc}）。"
    return result


def check_links(links: list[Link], *, workers: int = 8, timeout: float = 10.0) -> dict[str, Result]:
    """Check each distinct URL once, at most ``workers`` at a time."""
    urls = list(dict.fromkeys(link.url for link in links))
    logger.info("checking %s URLs with %s workers", len(urls), workers)
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        return dict(zip(urls, pool.map(lambda u: check_url(u, timeout), urls)))


def report(links: list[Link], results: dict[str, Result]) -> tuple[list[str], int, int]:
    """Report lines (broken first, then redirects), the number of broken URLs and of redirected ones."""
    broken, moved = [], []
    for link in links:
        r = results[link.url]
        if r.broken:
            broken.append(f"{link.where}: {link.url}: {r.reason}")
        elif r.redirects:
            moved.append(f"{link.where}: {link.url}: 注意: {r.reason}")
    n_broken = sum(1 for r in results.values() if r.broken)
    n_moved = sum(1 for r in results.values() if not r.broken and r.redirects)
    return broken + moved, n_broken, n_moved
