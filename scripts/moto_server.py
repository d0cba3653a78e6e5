"""Start moto_server on 127.0.0.1 for tests and benchmarks: a real DynamoDB/S3-compatible HTTP endpoint.

DynamoDB Local cannot be used here (every wrapper downloads it at run time); moto[server] is a
pinned dependency and speaks the same HTTP API that boto3 uses in production.
"""

from __future__ import annotations

import logging
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

logger = logging.getLogger(__name__)

__all__ = ["MotoServerError", "executable", "free_port", "run_moto_server"]


class MotoServerError(RuntimeError):
    """moto_server is missing or did not answer in time."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def executable() -> str | None:
    """moto_server from this virtual environment, else from PATH."""
    exe = Path(sys.executable).parent / "moto_server"
    return str(exe) if exe.exists() else shutil.which("moto_server")


@contextmanager
def run_moto_server(log_path: Path | None = None, timeout: float = 30.0) -> Iterator[str]:
    """Run moto_server on a free port for the duration of the block; yields its endpoint URL."""
    exe = executable()
    if exe is None:
        raise MotoServerError("moto_server is not installed (pip install 'moto[server]')")
    port = free_port()
    log = log_path.open("wb") if log_path else subprocess.DEVNULL
    process = subprocess.Popen([exe, "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=subprocess.STDOUT)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                urllib.request.urlopen(endpoint + "/moto-api/", timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise MotoServerError(f"moto_server did not start on {endpoint}"
                                          + (f" (see {log_path})" if log_path else "")) from None
                time.sleep(0.1)
        logger.debug("moto_server ready on %s", endpoint)
        yield endpoint
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if log_path:
            log.close()  # type: ignore[union-attr]
