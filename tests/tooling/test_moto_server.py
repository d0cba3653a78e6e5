"""``python -m scripts.moto_server COMMAND``: one moto_server shared by every pytest session of a command, and
the endpoint's conditional writes as atomic as DynamoDB's."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import boto3
from botocore.exceptions import ClientError

from esurety.devtools.moto_app import Serialized
from scripts.moto_server import ENDPOINT_VARIABLE, main

from ..verify.support import ROOT, at_once

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


WRITERS = 20


def test_serialized_runs_one_request_at_a_time_and_returns_the_whole_body() -> None:
    """GIVEN an application that would run its calls side by side WHEN twenty threads call it through Serialized
    at once THEN no call overlaps another and every caller gets the whole body."""
    running, peaks, lock = [0], [], threading.Lock()

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
        with lock:
            running[0] += 1
            peaks.append(running[0])
        time.sleep(0.005)
        yield b"o"
        time.sleep(0.005)
        with lock:
            running[0] -= 1
        yield b"k"

    served = Serialized(app)
    bodies = at_once([lambda: b"".join(served({}, lambda *a: None))] * WRITERS)
    assert bodies == [b"ok"] * WRITERS
    assert (len(peaks), max(peaks)) == (WRITERS, 1)


def test_the_endpoint_lets_exactly_one_of_twenty_concurrent_conditional_writes_succeed(moto_endpoint: str) -> None:
    """GIVEN the tests' endpoint WHEN twenty clients set one attribute of one item on condition that it is missing,
    all at once, ten times over THEN exactly one succeeds each time and the item holds the winner's value (as in
    DynamoDB, whose per-item atomicity the attempt limits rest on)."""
    from lambda_verify.stores.dynamodb import create_table

    def client() -> Any:
        return boto3.client("dynamodb", endpoint_url=moto_endpoint, region_name="ap-northeast-1",
                            aws_access_key_id="testing", aws_secret_access_key="testing")

    table = f"atomic-{uuid.uuid4().hex[:8]}"
    create_table(client(), table)
    clients = [client() for _ in range(WRITERS)]
    for trial in range(10):
        key = {"pk": {"S": f"slots#{trial}"}, "sk": {"S": "slots"}}

        def take(i: int, key: dict[str, Any] = key) -> bool:
            try:
                clients[i].update_item(TableName=table, Key=key, UpdateExpression="SET s0 = :v",
                                       ConditionExpression="attribute_not_exists(s0)",
                                       ExpressionAttributeValues={":v": {"N": str(i)}})
            except ClientError as exc:
                assert exc.response["Error"]["Code"] == "ConditionalCheckFailedException"
                return False
            return True

        won = [i for i, ok in enumerate(at_once([lambda i=i: take(i) for i in range(WRITERS)])) if ok]
        assert len(won) == 1, f"trial {trial}: {len(won)} conditional writes succeeded"
        item = clients[0].get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]
        assert item["s0"] == {"N": str(won[0])}
