"""A synchronous client for Pagefind's service mode (``pagefind --service``), the pinned binary's own API.

Why not ``pagefind.index.PagefindIndex``: the Python wrapper polls the service's answers with a
0.1 s sleep and reads one answer per poll, so every request costs at least 0.1 s (measured: 0.101 s
for each request, even an empty one). Why not one ``python -m pagefind`` per shard: every run loads
the Japanese dictionary again (about 0.9 s of CPU and 330 MB). One service process loads it once and
indexes the shards one after the other, each in its own in-memory index that is deleted once written,
so its memory stays near the dictionary plus one shard.

The protocol is the one the wrapper speaks: each request is base64 JSON followed by a comma, and so
is each answer. This module imports only the standard library at import time.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import subprocess
import tempfile
from pathlib import Path
from typing import IO, Any

logger = logging.getLogger(__name__)

__all__ = ["PagefindService", "PagefindServiceError"]


class PagefindServiceError(RuntimeError):
    """The service answered with an error or stopped; the message is Pagefind's."""


def _executable() -> Path:
    from pagefind.service import get_executable  # the pinned pagefind[extended] binary

    found = get_executable()
    if found is None:
        raise PagefindServiceError("the Pagefind binary was not found (pip install pagefind[extended])")
    return found


class PagefindService:
    """One ``pagefind --service`` process; use as a context manager, requests answer in order."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen[bytes] | None = None
        self._next_id = 0
        self._buffer = bytearray()
        self._log: IO[bytes] | None = None
        self._owner = os.getpid()

    def __enter__(self) -> PagefindService:
        self._owner = os.getpid()
        self._log = tempfile.TemporaryFile()  # its messages: a file, so a full pipe can never block it
        self._proc = subprocess.Popen([str(_executable()), "--service"], stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, stderr=self._log)
        return self

    def __exit__(self, *exc: object) -> None:
        proc, self._proc = self._proc, None
        if proc is None or os.getpid() != self._owner:
            return  # a forked child only lets go of its copy: the service is its parent's
        assert proc.stdin is not None
        proc.stdin.close()  # the service exits at the end of its input
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if self._log is not None:
            self._log.close()

    def _stderr(self) -> str:
        if self._log is None or self._log.closed:
            return ""
        self._log.seek(0)
        return self._log.read().decode("utf-8", "replace")[-2000:]

    def send(self, payload: dict[str, Any]) -> None:
        """Send one request without waiting for its answer (the next :meth:`request` skips it)."""
        proc = self._proc
        if proc is None or proc.stdin is None:
            raise PagefindServiceError("the service is not running")
        self._next_id += 1
        message = json.dumps({"message_id": self._next_id, "payload": payload}).encode("utf-8")
        proc.stdin.write(base64.b64encode(message) + b",")
        proc.stdin.flush()

    def request(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Send one request and wait for its answer; raises :class:`PagefindServiceError` on an error."""
        self.send(payload)
        proc = self._proc
        assert proc is not None
        while True:
            raw = self._read_answer(proc)
            answer = json.loads(base64.b64decode(raw)) if raw else None
            if answer is None:
                continue
            result = answer.get("payload") or {}
            unparsed = answer.get("message_id") is None  # the service could not read a request
            if answer.get("message_id") != self._next_id and not unparsed:
                continue  # the answer to a request sent with send()
            if result.get("type") == "Error":
                raise PagefindServiceError(f"Pagefind: {result.get('message')}\n{self._stderr()}")
            return result

    def _read_answer(self, proc: subprocess.Popen[bytes]) -> bytes:
        """The next answer, without its comma; bytes read past it stay for the next call."""
        assert proc.stdout is not None
        while b"," not in self._buffer:
            chunk = proc.stdout.read1(65536)
            if not chunk:
                raise PagefindServiceError(f"the service stopped (exit code {proc.poll()}):\n{self._stderr()}")
            self._buffer += chunk
        end = self._buffer.index(b",")
        raw = bytes(self._buffer[:end])
        del self._buffer[:end + 1]
        return raw

    # --- the requests this project uses -------------------------------------------------------

    def new_index(self, config: dict[str, Any] | None = None) -> int:
        """A new, empty in-memory index; returns its id."""
        return int(self.request({"type": "NewIndex", "config": config})["index_id"])

    def add_directory(self, index_id: int, path: Path, glob: str) -> int:
        """Index the files under ``path`` matching ``glob`` (as ``--site path --glob glob``); returns the page count."""
        return int(self.request({"type": "AddDir", "index_id": index_id, "path": str(path), "glob": glob})["page_count"])

    def write_files(self, index_id: int, output_path: Path) -> None:
        """Write the index as a Pagefind bundle (pagefind.js, index, fragments, filters) into ``output_path``."""
        self.request({"type": "WriteFiles", "index_id": index_id, "output_path": str(output_path)})

    def warm_up(self) -> None:
        """Make the service load its Japanese dictionary now, in its own process, without waiting.

        Pagefind loads the dictionary when it first segments Japanese text (about 0.9 s of CPU);
        asked before Pelican runs, it does so on the second core while Pelican renders.
        """
        self.send({"type": "NewIndex", "config": None})
        self.send({"type": "AddFile", "index_id": 0, "url": "/", "file_path": None,
                   "file_contents": '<html lang="ja"><body>電子保証の案内</body></html>'})

    def delete_index(self, index_id: int) -> None:
        """Free the service's memory for the index (the written bundle stays)."""
        self.request({"type": "DeleteIndex", "index_id": index_id})
