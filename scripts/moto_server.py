"""Start moto_server on 127.0.0.1 for tests and benchmarks: a real DynamoDB/S3-compatible HTTP endpoint.

DynamoDB Local cannot be used here (every wrapper downloads it at run time); moto[server] is a
pinned dependency and speaks the same HTTP API that boto3 uses in production. It is started with
``-p 0``: the system picks a free port when moto binds it, and the endpoint is read from the line
moto prints (``esurety.devtools.processes.MOTO_READY``), so no port is chosen beforehand.
"""

from __future__ import annotations

import logging
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from esurety.devtools.processes import MOTO_READY, StartError, start

logger = logging.getLogger(__name__)

__all__ = ["MotoServerError", "executable", "run_moto_server"]


class MotoServerError(RuntimeError):
    """moto_server is missing or did not answer in time."""


def executable() -> str | None:
    """moto_server from this virtual environment, else from PATH."""
    exe = Path(sys.executable).parent / "moto_server"
    return str(exe) if exe.exists() else shutil.which("moto_server")


@contextmanager
def run_moto_server(log_path: Path | None = None, timeout: float = 30.0) -> Iterator[str]:
    """Run moto_server on a port of the system's choosing for the duration of the block; yields its endpoint URL.

    Its output goes to ``log_path`` (a temporary file, removed afterwards, when none is given).
    """
    exe = executable()
    if exe is None:
        raise MotoServerError("moto_server is not installed (pip install 'moto[server]')")
    with ExitStack() as stack:
        log = log_path or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="moto-"))) / "moto_server.log"
        try:
            server = start([exe, "-H", "127.0.0.1", "-p", "0"], ready=MOTO_READY, log=log, probe="/moto-api/",
                           timeout=timeout)
        except StartError as exc:
            raise MotoServerError(f"moto_server did not start: {exc}") from None
        with server:
            logger.debug("moto_server ready on %s", server.url)
            yield server.url
