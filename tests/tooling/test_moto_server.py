"""``python -m scripts.moto_server COMMAND``: one moto_server shared by every pytest session of a command."""

from __future__ import annotations

import subprocess
import sys

from scripts.moto_server import ENDPOINT_VARIABLE, main

from ..verify.support import ROOT

_PROBE = ("import os, sys, urllib.request; url = os.environ['{var}']; "
          "sys.exit(0 if urllib.request.urlopen(url + '/moto-api/').status == 200 else 3)")


def test_the_command_runs_with_a_live_shared_endpoint_and_its_status_is_returned() -> None:
    """GIVEN a command that calls the endpoint it is given WHEN it runs under the wrapper THEN the endpoint answers
    and the command's exit status is the wrapper's; a failing command's status comes back unchanged."""
    probe = _PROBE.format(var=ENDPOINT_VARIABLE)
    assert main([sys.executable, "-c", probe]) == 0
    assert main(["--", sys.executable, "-c", "raise SystemExit(7)"]) == 7


def test_without_a_command_it_prints_its_usage_and_exits_2() -> None:
    done = subprocess.run([sys.executable, "-m", "scripts.moto_server"], cwd=ROOT, capture_output=True, text=True,
                          check=False)
    assert (done.returncode, done.stderr.strip()) == (2, "usage: python -m scripts.moto_server COMMAND [ARG ...]")
