"""Fixtures for the lookup's tests: a hand-moved clock, both stores, one moto_server per session.

The DynamoDB store is tested against a real DynamoDB-compatible HTTP endpoint: ``moto_server`` from
moto[server], started here on 127.0.0.1 and a free port, stopped at the end of the session. Each test
gets its own table. Nothing here talks to AWS: credentials are fake and config files are ignored.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from lambda_verify.handler import App
from lambda_verify.stores.base import CertificateStore
from lambda_verify.stores.sqlite import SqliteStore

from .support import EJCS_KEY, EJCS_NUMBER, KEY, FakeClock, certificate_doc, json_event, make_app, put_certificate


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


# ---------------------------------------------------------------------- moto_server


FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "ap-northeast-1",
    "AWS_REGION": "ap-northeast-1",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
}


@pytest.fixture
def dynamodb_env(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Fake credentials and boto3's standard endpoint variable pointing DynamoDB at moto_server."""
    for name, value in FAKE_AWS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", moto_endpoint)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    return moto_endpoint


@pytest.fixture
def dynamodb_table(dynamodb_env: str) -> Iterator[str]:
    """A fresh table, laid out as infra/template.yaml defines it."""
    from lambda_verify.stores.dynamodb import create_table, make_client

    name = f"certificates-{uuid.uuid4().hex[:8]}"
    client = make_client()
    create_table(client, name)
    yield name
    client.delete_table(TableName=name)
    client.close()


@pytest.fixture
def dynamodb_store(dynamodb_table: str) -> Iterator[CertificateStore]:
    from lambda_verify.stores.dynamodb import DynamoDbStore

    store = DynamoDbStore(dynamodb_table)
    yield store
    store.close()


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[SqliteStore]:
    store = SqliteStore(tmp_path / "verify.sqlite3", busy_timeout=0.2, create=True)
    yield store
    store.close()


@pytest.fixture(params=["sqlite", "dynamodb"])
def store(request: pytest.FixtureRequest) -> CertificateStore:
    """Each test using this runs once over SQLite and once over DynamoDB (moto_server)."""
    return request.getfixturevalue(f"{request.param}_store")


# ---------------------------------------------------------------------- the handler


@pytest.fixture
def app(store: CertificateStore, clock: FakeClock) -> App:
    put_certificate(store, certificate_doc(), KEY)
    put_certificate(store, certificate_doc(EJCS_NUMBER), EJCS_KEY)
    return make_app(store, clock)


Lookup = Callable[..., dict[str, Any]]


@pytest.fixture
def lookup(app: App) -> Lookup:
    """POST a JSON lookup; returns Lambda's result dict."""

    def call(number: str, key: str, *, ip: str = "198.51.100.7", **kw: Any) -> dict[str, Any]:
        return app(json_event({"guarantee_number": number, "access_key": key}, ip=ip, **kw))

    return call
