"""Store faults answer 503 with Retry-After and nothing else: throttling, timeouts, a locked file."""

from __future__ import annotations

import logging
import socket
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.stub import Stubber

import lambda_verify.handler as handler_module
from lambda_verify.limits import Claim, Gate, Limit, Limits, make_stamp
from lambda_verify.stores.base import Snapshot, StoreConflict, StoredCertificate, StoreUnavailable
from lambda_verify.stores.dynamodb import DynamoDbStore
from lambda_verify.stores.sqlite import SqliteStore

from .support import (
    KEY,
    NUMBER,
    T0,
    FakeClock,
    InjectedFault,
    body_json,
    certificate_doc,
    form_event,
    json_event,
    make_app,
    put_certificate,
)


def assert_503(result: dict[str, Any]) -> None:
    assert result["statusCode"] == 503
    assert int(result["headers"]["Retry-After"]) > 0
    body = result["body"]
    for leak in ("Traceback", "sqlite", "dynamodb", "Exception", "locked", "Throttl", "botocore"):
        assert leak not in body, leak


@pytest.mark.parametrize("key", [KEY, "WRONGKEY2345"])
def test_locked_sqlite_file_answers_503(tmp_path: Path, clock: FakeClock, key: str) -> None:
    db = tmp_path / "verify.sqlite3"
    store = SqliteStore(db, busy_timeout=0.05, create=True)
    put_certificate(store, certificate_doc(), KEY)
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("UPDATE certificates SET loaded_at = loaded_at")
    try:
        app = make_app(store, clock)
        result = app(json_event({"guarantee_number": NUMBER, "access_key": key}))
        assert_503(result)
        assert body_json(result)["status"] == "unavailable"
        assert_503(app(form_event({"guarantee_number": NUMBER, "access_key": key})))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        store.close()
    assert SqliteStore(db).get(NUMBER).first_viewed_at is None  # nothing was shown, so nothing was recorded


def test_unopenable_sqlite_file_answers_503(tmp_path: Path, clock: FakeClock) -> None:
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    app = make_app(SqliteStore(not_a_dir / "verify.sqlite3"), clock)
    assert_503(app(json_event({"guarantee_number": NUMBER, "access_key": KEY})))


@pytest.mark.parametrize("code", ["ProvisionedThroughputExceededException", "ThrottlingException",
                                  "RequestLimitExceeded", "InternalServerError"])
def test_dynamodb_throttling_on_read_answers_503(dynamodb_store: DynamoDbStore, clock: FakeClock, code: str) -> None:
    app = make_app(dynamodb_store, clock)
    with Stubber(dynamodb_store.client) as stub:
        stub.add_client_error("batch_get_item", service_error_code=code, http_status_code=400)
        assert_503(app(json_event({"guarantee_number": NUMBER, "access_key": KEY})))


def test_dynamodb_throttling_on_the_first_view_write_answers_503(dynamodb_store: DynamoDbStore, clock: FakeClock) -> None:
    put_certificate(dynamodb_store, certificate_doc(), KEY)
    app = make_app(dynamodb_store, clock)
    with InjectedFault(dynamodb_store.client, "UpdateItem", "ThrottlingException",
                       when=lambda body: "first_viewed_at" in body) as fault:
        assert_503(app(json_event({"guarantee_number": NUMBER, "access_key": KEY})))
    assert fault.failed == 1


def test_dynamodb_first_view_race_is_not_an_error(dynamodb_store: DynamoDbStore, clock: FakeClock) -> None:
    """Two first lookups at once: the one whose condition fails shows the moment the other one kept."""
    put_certificate(dynamodb_store, certificate_doc(), KEY)
    app = make_app(dynamodb_store, clock)
    kept = {"pk": {"S": f"cert#{NUMBER}"}, "sk": {"S": "certificate"}, "first_viewed_at": {"S": "2026-09-21T14:20:59Z"}}
    with InjectedFault(dynamodb_store.client, "UpdateItem", "ConditionalCheckFailedException",
                       when=lambda body: "first_viewed_at" in body, extra={"Item": kept}):
        result = app(json_event({"guarantee_number": NUMBER, "access_key": KEY}))
    assert result["statusCode"] == 200
    view = body_json(result)["view"]
    assert view == {"first_viewed_at": "2026-09-21T23:20:59+09:00", "first_view": False}


def test_dynamodb_keys_left_unprocessed_answer_503(dynamodb_store: DynamoDbStore, clock: FakeClock) -> None:
    app = make_app(dynamodb_store, clock)
    left = {dynamodb_store.table: {"Keys": [{"pk": {"S": f"cert#{NUMBER}"}, "sk": {"S": "certificate"}}]}}
    with Stubber(dynamodb_store.client) as stub:
        for _ in range(2):
            stub.add_response("batch_get_item", {"Responses": {dynamodb_store.table: []}, "UnprocessedKeys": left})
        assert_503(app(json_event({"guarantee_number": NUMBER, "access_key": KEY})))


def test_missing_table_answers_503(dynamodb_env: str, clock: FakeClock) -> None:
    app = make_app(DynamoDbStore("no-such-table"), clock)
    assert_503(app(json_event({"guarantee_number": NUMBER, "access_key": KEY})))


@pytest.fixture
def silent_endpoint() -> Iterator[str]:
    """A TCP server that accepts connections and never answers: every request times out."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                held.append(conn)
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join(timeout=2)
    for conn in held:
        conn.close()
    server.close()


def _client(endpoint: str) -> Any:
    return boto3.client("dynamodb", endpoint_url=endpoint, region_name="ap-northeast-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing",
                        config=Config(connect_timeout=0.3, read_timeout=0.3, retries={"total_max_attempts": 1}))


def test_dynamodb_timeout_answers_503(silent_endpoint: str, clock: FakeClock) -> None:
    app = make_app(DynamoDbStore("certificates", client=_client(silent_endpoint)), clock)
    assert_503(app(json_event({"guarantee_number": NUMBER, "access_key": KEY})))


@pytest.fixture
def unreachable_client() -> Iterator[Any]:
    """A client of an endpoint whose port is held but never listened on: connections are refused, and the port
    cannot be taken by anything else while the test runs."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        yield _client(f"http://127.0.0.1:{held.getsockname()[1]}")


def test_dynamodb_unreachable_answers_503(clock: FakeClock, unreachable_client: Any) -> None:
    """GIVEN a DynamoDB endpoint whose port is held but never listened on (connections are refused, and the
    port cannot be taken by anything else during the test) WHEN a lookup is made THEN it answers 503."""
    app = make_app(DynamoDbStore("certificates", client=unreachable_client), clock)
    assert_503(app(json_event({"guarantee_number": NUMBER, "access_key": KEY})))


def test_handler_without_a_store_answers_503(monkeypatch: pytest.MonkeyPatch) -> None:
    def cannot_open(*args: Any, **kwargs: Any) -> None:
        raise OSError("no store")

    handler_module.reset()
    monkeypatch.setattr(handler_module, "open_store", cannot_open)
    try:
        assert_503(handler_module.handler(json_event({"guarantee_number": NUMBER, "access_key": KEY}), None))
        html = handler_module.handler(form_event({"guarantee_number": NUMBER, "access_key": KEY}), None)
        assert_503(html)
        assert html["headers"]["Content-Type"].startswith("text/html")
    finally:
        handler_module.reset()


# ---------------------------------------------------------------------- the function never creates a store


def test_a_missing_sqlite_file_answers_503_and_is_not_created(tmp_path: Path, clock: FakeClock,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    db = tmp_path / "var" / "verify.sqlite3"
    app = make_app(SqliteStore(db), clock)
    for key in (KEY, "WRONGKEY2345"):
        assert_503(app(json_event({"guarantee_number": NUMBER, "access_key": key})))
    assert not db.exists() and not db.parent.exists()
    assert "does not exist" in caplog.text


@pytest.mark.parametrize("content", ["empty-schema", "garbage", "old-schema"])
def test_a_file_that_is_not_a_certificate_store_answers_503(tmp_path: Path, clock: FakeClock, content: str,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    db = tmp_path / "verify.sqlite3"
    if content == "garbage":
        db.write_bytes(b"not a database at all" * 100)
    else:
        conn = sqlite3.connect(db)
        if content == "old-schema":  # what the loader made before attempts were counted first
            conn.execute("CREATE TABLE certificates (guarantee_number TEXT PRIMARY KEY, key_hash TEXT, document TEXT,"
                         " revision TEXT, demo INTEGER, loaded_at TEXT, first_viewed_at TEXT)")
            conn.execute("PRAGMA user_version = 1")
        conn.commit()
        conn.close()
    before = db.read_bytes()
    app = make_app(SqliteStore(db), clock)
    assert_503(app(json_event({"guarantee_number": NUMBER, "access_key": KEY})))
    assert db.read_bytes() == before  # the function changed nothing
    assert "sqlite" in caplog.text


def test_a_store_deleted_while_serving_answers_503_in_every_thread(tmp_path: Path, clock: FakeClock) -> None:
    db = tmp_path / "verify.sqlite3"
    store = SqliteStore(db, create=True)
    put_certificate(store, certificate_doc(), KEY)
    app = make_app(store, clock)
    lookup = json_event({"guarantee_number": NUMBER, "access_key": KEY})
    results: list[int] = []
    threads = [threading.Thread(target=lambda: results.append(app(lookup)["statusCode"])) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [200] * 4  # four threads, four open connections
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    results.clear()
    threads = [threading.Thread(target=lambda: results.append(app(lookup)["statusCode"])) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [503] * 4 and app(lookup)["statusCode"] == 503
    assert not db.exists()
    # the loader creates it again; the running function then reads the new file, not the deleted one
    fresh = SqliteStore(db, create=True)
    put_certificate(fresh, certificate_doc(), KEY)
    assert app(lookup)["statusCode"] == 200
    store.close()
    fresh.close()


def test_connections_of_ended_threads_are_closed(tmp_path: Path, clock: FakeClock) -> None:
    store = SqliteStore(tmp_path / "verify.sqlite3", create=True)
    put_certificate(store, certificate_doc(), KEY)
    app = make_app(store, clock)
    for _ in range(50):
        t = threading.Thread(target=app, args=(json_event({"guarantee_number": NUMBER, "access_key": KEY}),))
        t.start()
        t.join()
    assert store.open_connections <= 2
    store.close()


def test_a_broken_stored_document_answers_503(store: Any, clock: FakeClock, caplog: pytest.LogCaptureFixture) -> None:
    good = put_certificate(store, certificate_doc(), KEY)
    store.put(good._replace(document='{"guarantee_number": "2099000101", "versions": "not a list"}', revision="bad"),
              expected_revision=good.revision)
    app = make_app(store, clock)
    assert_503(app(json_event({"guarantee_number": NUMBER, "access_key": KEY})))
    assert_503(app(form_event({"guarantee_number": NUMBER, "access_key": KEY})))
    assert "2099000101" in caplog.text and "cannot be read" in caplog.text
    store.put(good._replace(document="{not json", revision="worse"), expected_revision="bad")
    assert_503(app(json_event({"guarantee_number": NUMBER, "access_key": KEY})))


def test_a_broken_dynamodb_item_answers_503(dynamodb_store: DynamoDbStore, clock: FakeClock) -> None:
    dynamodb_store.client.put_item(TableName=dynamodb_store.table, Item={
        "pk": {"S": f"cert#{NUMBER}"}, "sk": {"S": "certificate"}, "document": {"S": "{}"}})  # no key_hash
    app = make_app(dynamodb_store, clock)
    assert_503(app(json_event({"guarantee_number": NUMBER, "access_key": KEY})))


# ---------------------------------------------------------------------- DynamoDB: what each fault becomes
#
# Every DynamoDB fault becomes StoreUnavailable (503) with the error's code in its text and one log line:
# an error for the two that mean the deployment is wrong (no table, no permission), which the alarm watches,
# a warning for the passing ones (throttling, a timeout).

#: (what the log line names, the DynamoDB operation made to fail, the call that makes it), one per store request.
_OPERATIONS = [
    pytest.param("read", "BatchGetItem", lambda s: s.read(NUMBER, "c", Limits(), T0), id="read"),
    pytest.param("claim", "UpdateItem", lambda s: s.claim(NUMBER, "c", Limits(), T0, seen=Snapshot(None)),
                 id="claim-take"),
    pytest.param("claim", "GetItem", lambda s: s.claim(NUMBER, "c", Limits(), T0), id="claim-reread"),
    pytest.param("record_first_view", "UpdateItem", lambda s: s.record_first_view(NUMBER, "2026-11-20T01:00:00Z"),
                 id="record_first_view"),
    pytest.param("get", "GetItem", lambda s: s.get(NUMBER), id="get"),
    pytest.param("put", "PutItem", lambda s: s.put(_stored(), expected_revision=None), id="put-new"),
    pytest.param("put", "UpdateItem", lambda s: s.put(_stored(), expected_revision="r0"), id="put-replace"),
]


def _stored() -> StoredCertificate:
    return StoredCertificate(NUMBER, "s256v1$ab", "{}", "r1", False, "2026-11-01T00:00:00Z")


@pytest.mark.parametrize(("what", "operation", "call"), _OPERATIONS)
@pytest.mark.parametrize(("code", "level"), [("ResourceNotFoundException", logging.ERROR),
                                             ("AccessDeniedException", logging.ERROR)])
def test_each_dynamodb_error_is_unavailable_with_its_code_and_one_log_line(
        dynamodb_store: DynamoDbStore, caplog: pytest.LogCaptureFixture, what: str, operation: str, call: Any,
        code: str, level: int) -> None:
    with InjectedFault(dynamodb_store.client, operation, code), \
            caplog.at_level(logging.WARNING, logger="lambda_verify.stores.dynamodb"), \
            pytest.raises(StoreUnavailable) as raised:
        call(dynamodb_store)
    assert str(raised.value) == f"dynamodb: {code}" and raised.value.retry_after == 5
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [(level, f"dynamodb {what} failed: {code}")]


@pytest.mark.parametrize(("what", "operation", "call"), _OPERATIONS)
def test_an_unreachable_dynamodb_is_unavailable_named_by_the_error_type(
        caplog: pytest.LogCaptureFixture, unreachable_client: Any, what: str, operation: str, call: Any) -> None:
    store = DynamoDbStore("certificates", client=unreachable_client)
    with caplog.at_level(logging.WARNING, logger="lambda_verify.stores.dynamodb"), \
            pytest.raises(StoreUnavailable) as raised:
        call(store)
    assert str(raised.value) == "dynamodb: EndpointConnectionError"
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [
        (logging.WARNING, f"dynamodb {what} failed: EndpointConnectionError")]


def test_a_conflicting_put_is_a_conflict_not_a_fault(dynamodb_store: DynamoDbStore) -> None:
    with InjectedFault(dynamodb_store.client, "PutItem", "ConditionalCheckFailedException"), \
            pytest.raises(StoreConflict, match=f"^{NUMBER} changed since it was read$"):
        dynamodb_store.put(_stored(), expected_revision=None)


def test_a_release_that_dynamodb_refuses_says_so_and_keeps_the_attempt_counted(
        dynamodb_store: DynamoDbStore, caplog: pytest.LogCaptureFixture) -> None:
    # GIVEN a claimed attempt WHEN its release is refused (not a lost race) THEN one warning names the error's
    # code, and the slot stays taken
    claim = dynamodb_store.claim(NUMBER, "c", Limits(), T0, seen=Snapshot(None))
    with InjectedFault(dynamodb_store.client, "UpdateItem", "AccessDeniedException"), \
            caplog.at_level(logging.WARNING, logger="lambda_verify.stores.dynamodb"):
        dynamodb_store.release(NUMBER, "c", claim)
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [
        (logging.WARNING, "dynamodb release failed: AccessDeniedException (the attempt stays counted)")] * 2
    after = dynamodb_store.read(NUMBER, "c", Limits(), T0)
    assert len(after.client.free(Limits().client, T0)) == Limits().client.max_attempts - 1


def test_a_release_that_lost_its_race_is_silent(dynamodb_store: DynamoDbStore,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    # GIVEN a claimed attempt WHEN its slot is found taken by a newer stamp on release (the condition fails)
    # THEN nothing is logged: the newer attempt owns the slot
    claim = dynamodb_store.claim(NUMBER, "c", Limits(), T0, seen=Snapshot(None))
    with InjectedFault(dynamodb_store.client, "UpdateItem", "ConditionalCheckFailedException"), \
            caplog.at_level(logging.DEBUG, logger="lambda_verify.stores.dynamodb"):
        dynamodb_store.release(NUMBER, "c", claim)
    assert [r.getMessage() for r in caplog.records] == []


def test_a_release_that_cannot_reach_dynamodb_says_so(caplog: pytest.LogCaptureFixture,
                                                       unreachable_client: Any) -> None:
    store = DynamoDbStore("certificates", client=unreachable_client)
    with caplog.at_level(logging.WARNING, logger="lambda_verify.stores.dynamodb"):
        store.release(NUMBER, "c", Claim(Gate.OPEN, None, make_stamp(T0), 3, None))
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [
        (logging.WARNING, "dynamodb release failed: EndpointConnectionError (the attempt stays counted)")]


def test_slots_contended_three_times_over_fail_closed(dynamodb_store: DynamoDbStore) -> None:
    """GIVEN every conditional slot write losing its race (while the table keeps showing the slots free)
    WHEN an attempt is claimed THEN each free slot is tried in three rounds, and then the store is unavailable
    rather than letting an uncounted attempt through."""
    limits = Limits(client=Limit(2, 600), number=Limit(5, 600))
    with InjectedFault(dynamodb_store.client, "UpdateItem", "ConditionalCheckFailedException") as fault, \
            pytest.raises(StoreUnavailable, match=r"^dynamodb: attempt slots too contended$"):
        dynamodb_store.claim(NUMBER, "c", limits, T0)
    assert fault.failed == 3 * 2


def test_a_first_view_whose_certificate_vanished_is_unavailable(dynamodb_store: DynamoDbStore) -> None:
    """GIVEN the first-view write failing its condition with no old item (the certificate was removed)
    WHEN the first view is recorded THEN the store is unavailable, not a view without a moment."""
    with InjectedFault(dynamodb_store.client, "UpdateItem", "ConditionalCheckFailedException",
                       extra={"Item": {"pk": {"S": f"cert#{NUMBER}"}}}), \
            pytest.raises(StoreUnavailable, match=r"^dynamodb: certificate disappeared during the lookup$"):
        dynamodb_store.record_first_view(NUMBER, "2026-11-20T01:00:00Z")
