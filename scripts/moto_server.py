"""Start moto_server on 127.0.0.1 for tests and benchmarks: a real DynamoDB/S3-compatible HTTP endpoint.

DynamoDB Local cannot be used here (every wrapper downloads it at run time); moto[server] is a
pinned dependency and speaks the same HTTP API that boto3 uses in production. It is started with
``-p 0``: the system picks a free port when moto binds it, and the endpoint is read from the line
moto prints (``esurety.devtools.processes.MOTO_READY``), so no port is chosen beforehand.

The server is moto's own application behind ``esurety.devtools.moto_app``, which answers one request
at a time, so conditional writes are atomic as in DynamoDB (moto's threaded server alone lets two
concurrent conditional updates of one item both succeed).

``python -m scripts.moto_server COMMAND …`` runs COMMAND with one moto_server for all of it, named in
``ESURETY_MOTO_ENDPOINT``; the tests' session fixture uses that endpoint instead of starting its own.
``make mutation`` runs mutmut so: each mutant's pytest session would otherwise start a server of its own.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from esurety.devtools.processes import MOTO_READY, StartError, start

logger = logging.getLogger(__name__)

__all__ = ["ENDPOINT_VARIABLE", "MotoServerError", "command", "main", "run_moto_server"]

#: Set by ``main`` for the command it runs: the endpoint of the one moto_server they share.
ENDPOINT_VARIABLE = "ESURETY_MOTO_ENDPOINT"


class MotoServerError(RuntimeError):
    """moto_server is missing or did not answer in time."""


def command() -> list[str] | None:
    """The command that serves moto's application one request at a time on a port of the system's choosing."""
    if importlib.util.find_spec("moto") is None or importlib.util.find_spec("werkzeug") is None:
        return None
    return [sys.executable, "-m", "esurety.devtools.moto_app", "-H", "127.0.0.1", "-p", "0"]


@contextmanager
def run_moto_server(log_path: Path | None = None, timeout: float = 30.0) -> Iterator[str]:
    """Run moto_server on a port of the system's choosing for the duration of the block; yields its endpoint URL.

    Its output goes to ``log_path`` (a temporary file, removed afterwards, when none is given).
    """
    argv = command()
    if argv is None:
        raise MotoServerError("moto_server is not installed (pip install 'moto[server]')")
    with ExitStack() as stack:
        log = log_path or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="moto-"))) / "moto_server.log"
        try:
            server = start(argv, ready=MOTO_READY, log=log, probe="/moto-api/",
                           timeout=timeout)
        except StartError as exc:
            raise MotoServerError(f"moto_server did not start: {exc}") from None
        with server:
            logger.debug("moto_server ready on %s", server.url)
            yield server.url


def main(argv: list[str] | None = None) -> int:
    """Run the command in ``argv`` with one moto_server for its whole duration; its exit status is returned."""
    to_run = list(sys.argv[1:] if argv is None else argv)
    if to_run[:1] == ["--"]:
        to_run = to_run[1:]
    if not to_run:
        print("usage: python -m scripts.moto_server COMMAND [ARG ...]", file=sys.stderr)
        return 2
    try:
        with run_moto_server() as endpoint:
            return subprocess.run(to_run, env={**os.environ, ENDPOINT_VARIABLE: endpoint}, check=False).returncode
    except MotoServerError as exc:
        print(exc, file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
