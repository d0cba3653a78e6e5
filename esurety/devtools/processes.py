"""Start a server process on port 0, read the address it bound from its own output, wait until it answers.

The server asks the operating system for a free port when it binds (port 0) and says which one it
got; nothing picks a port beforehand. A port chosen by binding a socket and releasing it again can
be taken by another process in between, and then the server fails to start or, worse, the caller
talks to somebody else's server.

Each server writes its output (standard output and standard error together) to a log file; the
address is read from that file by a pattern, so the log stays on disk for a person to read after a
failure:

* ``scripts.devserver`` prints ``http://127.0.0.1:<port>/ で表示しています…`` (``DEVSERVER_READY``);
* ``moto_server`` (werkzeug) prints `` * Running on http://127.0.0.1:<port>`` (``MOTO_READY``).

Once the address is known, the server counts as ready when it gives any HTTP answer to ``probe``.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

__all__ = ["DEVSERVER_READY", "MOTO_READY", "PROJECT_ROOT", "Running", "StartError", "devserver_command",
           "start", "start_devserver", "stop_process", "wait_until_answers"]

PROJECT_ROOT = Path(__file__).resolve().parents[2]
#: The line scripts/devserver.py prints once it listens (see ``esurety.localserver``).
DEVSERVER_READY = re.compile(r"^(?P<url>http://127\.0\.0\.1:[1-9]\d*)/ ", re.MULTILINE)
#: The line werkzeug's development server (moto_server) logs once it listens.
MOTO_READY = re.compile(r"Running on (?P<url>http://127\.0\.0\.1:[1-9]\d*)")
_POLL_S = 0.05
_TAIL_CHARS = 4000


class StartError(RuntimeError):
    """The process exited, or did not say where it listens, or did not answer, in time."""


def _read(log: Path) -> str:
    try:
        return log.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _tail(log: Path) -> str:
    return _read(log)[-_TAIL_CHARS:]


def _signal(process: subprocess.Popen[bytes], number: int, group: bool) -> None:
    try:
        if group:
            os.killpg(process.pid, number)
        elif process.poll() is None:
            process.send_signal(number)
    except ProcessLookupError:
        pass


def stop_process(process: subprocess.Popen[bytes], *, group: bool = False, timeout: float = 10) -> int:
    """Stop a process this program started, politely first (SIGTERM, then SIGKILL); its exit status.

    ``group``: the process was started in a session of its own, and everything in that session is
    stopped with it (a rebuilding server's child processes), even when the process itself has ended.
    """
    _signal(process, signal.SIGTERM, group)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        _signal(process, signal.SIGKILL, group)
        process.wait(timeout=timeout)
    return int(process.returncode)


@dataclass
class Running:
    """A started server: where it answers, its process and its log."""

    url: str
    process: subprocess.Popen[bytes]
    log: Path
    group: bool = False

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def log_text(self) -> str:
        return _tail(self.log)

    def stop(self, timeout: float = 10) -> int:
        return stop_process(self.process, group=self.group, timeout=timeout)

    def __enter__(self) -> Running:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()


def wait_until_answers(url: str, *, timeout: float = 30.0, process: subprocess.Popen[bytes] | None = None,
                       log: Path | None = None) -> None:
    """Return once ``url`` gives any HTTP answer (an error status counts); StartError after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except urllib.error.HTTPError:
            return
        except (urllib.error.URLError, OSError):
            pass
        if process is not None and process.poll() is not None:
            raise StartError(f"the server exited with {process.returncode} before {url} answered:\n"
                             + (_tail(log) if log else ""))
        if time.monotonic() > deadline:
            raise StartError(f"{url} did not answer within {timeout:.0f} s:\n" + (_tail(log) if log else ""))
        time.sleep(_POLL_S)


def _wait_for_address(process: subprocess.Popen[bytes], log: Path, ready: re.Pattern[str], deadline: float,
                      timeout: float) -> str:
    while True:
        found = ready.search(_read(log))
        if found:
            return found["url"]
        if process.poll() is not None:
            raise StartError(f"{process.args!r} exited with {process.returncode} before saying where it listens:\n"
                             + _tail(log))
        if time.monotonic() > deadline:
            raise StartError(f"{process.args!r} did not say where it listens within {timeout:.0f} s:\n" + _tail(log))
        time.sleep(_POLL_S)


def start(command: Sequence[str], *, ready: re.Pattern[str], log: Path, probe: str = "/",
          cwd: Path | None = None, env: Mapping[str, str] | None = None, timeout: float = 30.0,
          new_session: bool = False, preexec_fn: Callable[[], None] | None = None) -> Running:
    """Start ``command`` (a server told to bind port 0), read its address from ``log`` with ``ready``
    (whose group ``url`` is the base URL), and return once ``url + probe`` answers.

    On any failure the process is stopped and StartError carries the end of its log.
    ``new_session`` starts it in a session of its own, so ``Running.stop`` stops its children too.
    """
    log.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with log.open("wb") as out:  # the child keeps its own copy of the descriptor
        process = subprocess.Popen(list(command), cwd=cwd, env=dict(env) if env is not None else None,
                                   stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=new_session, preexec_fn=preexec_fn)
    try:
        url = _wait_for_address(process, log, ready, started + timeout, timeout)
        wait_until_answers(url + probe, timeout=max(1.0, started + timeout - time.monotonic()), process=process,
                           log=log)
    except BaseException:
        stop_process(process, group=new_session)
        raise
    return Running(url, process, log, group=new_session)


def devserver_command(root: Path, *options: str, python: str = sys.executable) -> list[str]:
    """``make run``'s server on a port of the system's choosing, serving ``root``."""
    return [python, "-m", "scripts.devserver", "--port", "0", "--root", str(root), *options]


def start_devserver(root: Path, *, log: Path, options: Sequence[str] = (), env: Mapping[str, str] | None = None,
                    cwd: Path = PROJECT_ROOT, probe: str = "/", timeout: float = 30.0, new_session: bool = False,
                    preexec_fn: Callable[[], None] | None = None) -> Running:
    """scripts/devserver.py over ``root`` (with ``options``), once it answers; ``cwd`` is the checkout it runs."""
    return start(devserver_command(root, *options), ready=DEVSERVER_READY, log=log, probe=probe, cwd=cwd, env=env,
                 timeout=timeout, new_session=new_session, preexec_fn=preexec_fn)
