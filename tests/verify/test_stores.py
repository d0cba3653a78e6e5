"""The store interface, the same for SQLite and DynamoDB (moto_server), DynamoDB's items as stored, plus the
Lambda package's promises: light imports, one place for the headers, eras that agree with the site's."""

from __future__ import annotations

import logging
import subprocess
import sys
from typing import Any

import pytest

from lambda_verify.keys import hash_key
from lambda_verify.limits import Claim, Gate, Limit, Limits, Slots, make_stamp, stamp_cutoff, stamp_time
from lambda_verify.security import HSTS, SECURITY_HEADERS
from lambda_verify.stores import StoreConflict, StoreUnavailable, open_store
from lambda_verify.stores.base import Snapshot, StoreCorrupt, StoredCertificate

from .support import KEY, NUMBER, ROOT, T0, certificate_doc, put_certificate


def test_put_get_and_conflicts(store: Any) -> None:
    assert store.get(NUMBER) is None
    stored = put_certificate(store, certificate_doc(), KEY)
    got = store.get(NUMBER)
    assert (got.key_hash, got.document, got.revision, got.first_viewed_at) == (stored.key_hash, stored.document,
                                                                               stored.revision, None)
    with pytest.raises(StoreConflict):
        store.put(stored, expected_revision=None)  # already there
    newer = stored._replace(revision="r2", document=stored.document.replace("テスト市長", "テスト町長"))
    with pytest.raises(StoreConflict):
        store.put(newer, expected_revision="not-the-stored-one")
    store.put(newer, expected_revision=stored.revision)
    assert store.get(NUMBER).revision == "r2"


def test_replacing_keeps_the_first_view(store: Any) -> None:
    stored = put_certificate(store, certificate_doc(), KEY)
    store.record_first_view(NUMBER, "2026-11-20T01:02:03Z")
    store.put(stored._replace(revision="r2"), expected_revision=stored.revision)
    got = store.get(NUMBER)
    assert (got.revision, got.first_viewed_at) == ("r2", "2026-11-20T01:02:03Z")


def test_read_returns_the_key_hash_and_both_subjects_slots(store: Any) -> None:
    stored = put_certificate(store, certificate_doc(), KEY)
    limits = Limits()
    for _ in range(3):
        assert store.claim(NUMBER, "client-a", limits, T0).gate is Gate.OPEN
    store.claim(NUMBER, "client-b", limits, T0)
    snap = store.read(NUMBER, "client-a", limits, T0)
    assert snap.certificate is not None and snap.certificate.key_hash == stored.key_hash
    # DynamoDB leaves the document out of the lookup's read (same size for known and unknown numbers)
    assert snap.certificate.document in (None, stored.document)
    assert (snap.client.live(limits.client, T0), snap.number.live(limits.number, T0)) == (3, 4)
    other = store.read("2099000999", "client-b", limits, T0)
    assert other.certificate is None
    # ten minutes later every slot is free again, wherever the ten minutes started
    assert store.claim(NUMBER, "client-a", limits, T0 + 600).gate is Gate.OPEN


def test_release_gives_back_exactly_the_claimed_slots(store: Any) -> None:
    limits = Limits(client=Limit(2, 600), number=Limit(5, 600))
    first = store.claim(NUMBER, "client-a", limits, T0)
    second = store.claim(NUMBER, "client-a", limits, T0 + 1)
    assert store.claim(NUMBER, "client-a", limits, T0 + 2).gate is Gate.BLOCKED
    store.release(NUMBER, "client-a", first)
    store.release(NUMBER, "client-a", first)  # twice: the second release finds nothing of its own
    third = store.claim(NUMBER, "client-a", limits, T0 + 3)
    assert third.gate is Gate.OPEN and third.client_slot == first.client_slot != second.client_slot
    assert store.claim(NUMBER, "client-a", limits, T0 + 4).gate is Gate.BLOCKED


def test_first_view_is_written_once_and_then_kept(store: Any) -> None:
    put_certificate(store, certificate_doc(), KEY)
    a = store.record_first_view(NUMBER, "2026-11-20T01:00:00Z")
    b = store.record_first_view(NUMBER, "2026-11-20T02:00:00Z")  # a second "first" view lost the race
    assert a == ("2026-11-20T01:00:00Z", True)
    assert b == ("2026-11-20T01:00:00Z", False)
    assert store.get(NUMBER).first_viewed_at == "2026-11-20T01:00:00Z"
    assert store.read(NUMBER, "client-a", Limits(), T0).certificate.first_viewed_at == "2026-11-20T01:00:00Z"


def test_first_view_of_a_vanished_certificate_is_unavailable(store: Any) -> None:
    with pytest.raises(StoreUnavailable):
        store.record_first_view("2099000999", "2026-11-20T01:00:00Z")


def test_store_is_chosen_by_environment(tmp_path: Any, dynamodb_env: str) -> None:
    assert open_store(None, str(tmp_path / "x.sqlite3")).name == "sqlite"
    assert open_store("certificates", None).name == "dynamodb"


def test_importing_the_handler_stays_light() -> None:
    code = ("import sys, lambda_verify.handler; "
            "print(sorted(m for m in ('boto3', 'botocore', 'jinja2', 'sqlite3', 'yaml', 'pydantic', 'segno') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


#: What the lookup function may import besides the standard library and itself: the kernel (shipped in
#: its bundle) and boto3 (in the Lambda runtime).
FUNCTION_MAY_IMPORT = ("esurety.kernel", "boto3", "botocore")


def _imported(path: Any) -> set[str]:
    import ast

    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_the_function_package_uses_only_the_kernel_the_standard_library_and_boto3() -> None:
    for path in (ROOT / "lambda_verify").rglob("*.py"):
        for name in _imported(path):
            top = name.split(".")[0]
            allowed = (top in sys.stdlib_module_names or top == "lambda_verify"
                       or any(name == m or name.startswith(m + ".") for m in FUNCTION_MAY_IMPORT))
            assert allowed, (path, name)
    requirements = (ROOT / "lambda_verify" / "requirements.txt").read_text()
    assert [ln for ln in requirements.splitlines() if ln.strip() and not ln.startswith("#")] == []


def test_security_headers_are_one_plain_dict() -> None:
    assert isinstance(SECURITY_HEADERS, dict) and all(isinstance(v, str) for v in SECURITY_HEADERS.values())
    csp = SECURITY_HEADERS["Content-Security-Policy"]
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp.replace("'wasm-unsafe-eval'", "")
    for directive in ("default-src 'self'", "style-src 'self'", "img-src 'self' data:", "base-uri 'none'",
                      "form-action 'self'", "frame-ancestors 'none'"):
        assert directive in csp
    assert SECURITY_HEADERS["X-Frame-Options"] == "DENY"
    assert SECURITY_HEADERS["X-Content-Type-Options"] == "nosniff"
    assert {"Referrer-Policy", "Permissions-Policy"} <= set(SECURITY_HEADERS)
    assert "Strict-Transport-Security" not in SECURITY_HEADERS and HSTS.startswith("max-age=")


def test_certificate_dates_are_the_kernels_era_dates() -> None:
    """GIVEN a certificate issued on the first day of 令和 WHEN it is rendered THEN the page says 令和元年5月1日
    (the kernel's era date), never 令和1年 or 平成31年."""
    from lambda_verify.model import Certificate
    from lambda_verify.rendering import render_certificate_fragment
    from lambda_verify.stores.base import FirstView

    from .support import T0, certificate_doc

    doc = certificate_doc()
    doc["versions"] = doc["versions"][:1]
    doc["versions"][0]["issued_on"] = "2019-05-01"
    html = render_certificate_fragment(Certificate.from_dict(doc), T0, FirstView("2026-04-10T00:00:00Z"))
    assert '<time datetime="2019-05-01">令和元年5月1日</time>' in html
    assert "令和1年" not in html and "平成31年5月" not in html
    assert "令和8年4月10日" in html


# ---------------------------------------------------------------------- DynamoDB: the items as stored
#
# The tests above hold for both stores; these read DynamoDB's items back through the same client, so a
# wrong attribute name, type, condition or TTL shows even where the store's own answers would agree.

CLIENT_PK = "slots#client#client-a"
NUMBER_PK = f"slots#number#{NUMBER}"


def _item(store: Any, pk: str, sk: str) -> dict[str, Any] | None:
    answer = store.client.get_item(TableName=store.table, Key={"pk": {"S": pk}, "sk": {"S": sk}}, ConsistentRead=True)
    item: dict[str, Any] | None = answer.get("Item")
    return item


def _slot_attributes(store: Any, pk: str) -> dict[str, int]:
    item = _item(store, pk, "slots") or {}
    return {name: int(value["N"]) for name, value in item.items() if name.startswith("s") and name != "sk"}


def _put_slots(store: Any, pk: str, stamps: dict[int, int]) -> None:
    store.client.put_item(TableName=store.table, Item={
        "pk": {"S": pk}, "sk": {"S": "slots"}, **{f"s{i}": {"N": str(s)} for i, s in stamps.items()}})


def test_dynamodb_keeps_a_certificate_as_one_item_and_gives_it_back_whole(dynamodb_store: Any) -> None:
    """GIVEN a demo certificate put, then replaced after its first view WHEN the item and the answers are read
    THEN the item holds exactly the certificate's attributes, and get and read give every field back."""
    cert = StoredCertificate(NUMBER, hash_key(NUMBER, KEY), '{"v":1}', "rev-1", True, "2026-11-01T00:00:00Z")
    dynamodb_store.put(cert, expected_revision=None)
    assert _item(dynamodb_store, f"cert#{NUMBER}", "certificate") == {
        "pk": {"S": f"cert#{NUMBER}"}, "sk": {"S": "certificate"}, "key_hash": {"S": cert.key_hash},
        "document": {"S": '{"v":1}'}, "revision": {"S": "rev-1"}, "demo": {"BOOL": True},
        "loaded_at": {"S": "2026-11-01T00:00:00Z"}}
    assert dynamodb_store.get(NUMBER) == cert

    dynamodb_store.record_first_view(NUMBER, "2026-11-20T01:02:03Z")
    newer = StoredCertificate(NUMBER, hash_key(NUMBER, "OTHERKEY23456789"), '{"v":2}', "rev-2", False,
                              "2026-11-02T00:00:00Z")
    dynamodb_store.put(newer, expected_revision="rev-1")
    assert _item(dynamodb_store, f"cert#{NUMBER}", "certificate") == {
        "pk": {"S": f"cert#{NUMBER}"}, "sk": {"S": "certificate"}, "key_hash": {"S": newer.key_hash},
        "document": {"S": '{"v":2}'}, "revision": {"S": "rev-2"}, "demo": {"BOOL": False},
        "loaded_at": {"S": "2026-11-02T00:00:00Z"}, "first_viewed_at": {"S": "2026-11-20T01:02:03Z"}}
    viewed = newer._replace(first_viewed_at="2026-11-20T01:02:03Z")
    assert dynamodb_store.get(NUMBER) == viewed
    assert dynamodb_store.read(NUMBER, "client-a", Limits(), T0).certificate == viewed._replace(document=None)


def test_dynamodb_reads_an_item_without_the_optional_attributes(dynamodb_store: Any) -> None:
    """GIVEN an item with only the required attributes (as an older loader wrote them) WHEN it is read
    THEN demo is False and the load and first-view moments are None."""
    dynamodb_store.client.put_item(TableName=dynamodb_store.table, Item={
        "pk": {"S": f"cert#{NUMBER}"}, "sk": {"S": "certificate"}, "key_hash": {"S": "s256v1$ab"},
        "document": {"S": "{}"}, "revision": {"S": "r"}})
    assert dynamodb_store.get(NUMBER) == StoredCertificate(NUMBER, "s256v1$ab", "{}", "r", False, None, None)


@pytest.mark.parametrize("missing", ["key_hash", "revision", "document"])
def test_dynamodb_item_missing_a_required_attribute_is_corrupt(dynamodb_store: Any, missing: str,
                                                                caplog: pytest.LogCaptureFixture) -> None:
    """GIVEN a certificate item without one required attribute WHEN it is fetched THEN StoreCorrupt, and the
    error log names the item; the lookup's read, which leaves the document out, still needs the others."""
    item = {"pk": {"S": f"cert#{NUMBER}"}, "sk": {"S": "certificate"}, "key_hash": {"S": "s256v1$ab"},
            "document": {"S": "{}"}, "revision": {"S": "r"}}
    del item[missing]
    dynamodb_store.client.put_item(TableName=dynamodb_store.table, Item=item)
    with caplog.at_level(logging.ERROR, logger="lambda_verify.stores.dynamodb"), \
            pytest.raises(StoreCorrupt, match=r"^dynamodb: broken certificate item$"):
        dynamodb_store.get(NUMBER)
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [
        (logging.ERROR, f"dynamodb: broken certificate item cert#{NUMBER}")]
    if missing == "document":
        assert dynamodb_store.read(NUMBER, "c", Limits(), T0).certificate.key_hash == "s256v1$ab"
    else:
        with pytest.raises(StoreCorrupt):
            dynamodb_store.read(NUMBER, "c", Limits(), T0)


def test_dynamodb_claim_writes_its_stamp_and_the_window_as_ttl(dynamodb_store: Any) -> None:
    """GIVEN limits whose client and number windows differ WHEN an attempt is claimed THEN each slot item holds
    the claim's stamp in the claimed slot and expires one second after its own window; release removes both."""
    limits = Limits(client=Limit(3, 600), number=Limit(5, 300))
    claim = dynamodb_store.claim(NUMBER, "client-a", limits, T0)
    assert claim.gate is Gate.OPEN and stamp_time(claim.stamp) == pytest.approx(T0, abs=1e-6)
    for pk, slot, window in ((CLIENT_PK, claim.client_slot, 600), (NUMBER_PK, claim.number_slot, 300)):
        item = _item(dynamodb_store, pk, "slots")
        assert item == {"pk": {"S": pk}, "sk": {"S": "slots"}, f"s{slot}": {"N": str(claim.stamp)},
                        "expires_at": {"N": str(int(T0) + window + 1)}}
    dynamodb_store.release(NUMBER, "client-a", claim)
    assert _slot_attributes(dynamodb_store, CLIENT_PK) == {} and _slot_attributes(dynamodb_store, NUMBER_PK) == {}


def test_dynamodb_release_removes_only_its_own_stamp(dynamodb_store: Any) -> None:
    """GIVEN a claimed slot that another attempt took over (a later stamp) WHEN the first claim is released
    THEN the other attempt's stamp stays; a release of a blocked claim writes nothing."""
    limits = Limits(client=Limit(3, 600), number=Limit(5, 600))
    claim = dynamodb_store.claim(NUMBER, "client-a", limits, T0)
    _put_slots(dynamodb_store, CLIENT_PK, {claim.client_slot: claim.stamp + 1})
    dynamodb_store.release(NUMBER, "client-a", claim)
    assert _slot_attributes(dynamodb_store, CLIENT_PK) == {f"s{claim.client_slot}": claim.stamp + 1}
    assert _slot_attributes(dynamodb_store, NUMBER_PK) == {}
    dynamodb_store.release(NUMBER, "client-a", claim._replace(stamp=None))
    assert _slot_attributes(dynamodb_store, CLIENT_PK) == {f"s{claim.client_slot}": claim.stamp + 1}


def test_dynamodb_claim_takes_a_slot_only_if_it_is_free_in_the_table(dynamodb_store: Any) -> None:
    """GIVEN a stale view saying every client slot is free while the table holds live stamps in all of them
    WHEN an attempt is claimed THEN no slot is taken and the answer waits for the oldest stamp; a stamp at the
    window's very edge (made exactly ten minutes ago) counts as free and is taken over."""
    limits = Limits(client=Limit(2, 600), number=Limit(5, 600))
    now = T0 + 1000
    live = {0: make_stamp(now - 100), 1: make_stamp(now - 590)}
    _put_slots(dynamodb_store, CLIENT_PK, live)
    blocked = dynamodb_store.claim(NUMBER, "client-a", limits, now, seen=Snapshot(None))
    assert blocked == Claim(Gate.BLOCKED, 10)          # the oldest stamp frees in ten seconds
    assert _slot_attributes(dynamodb_store, CLIENT_PK) == {f"s{i}": s for i, s in live.items()}
    assert _slot_attributes(dynamodb_store, NUMBER_PK) == {}

    cutoff = stamp_cutoff(now, 600)
    _put_slots(dynamodb_store, CLIENT_PK, {0: live[0], 1: cutoff})       # live for one more microsecond
    assert dynamodb_store.claim(NUMBER, "client-a", limits, now, seen=Snapshot(None)).gate is Gate.BLOCKED
    _put_slots(dynamodb_store, CLIENT_PK, {0: live[0], 1: cutoff - 1000})   # made exactly ten minutes ago
    taken = dynamodb_store.claim(NUMBER, "client-a", limits, now, seen=Snapshot(None))
    assert (taken.gate, taken.client_slot) == (Gate.OPEN, 1)
    assert _slot_attributes(dynamodb_store, CLIENT_PK) == {"s0": live[0], "s1": taken.stamp}


def test_dynamodb_claim_waits_for_the_client_slot_the_table_holds(dynamodb_store: Any) -> None:
    """GIVEN a stale view and a client whose two slots are live in the table WHEN it claims THEN Retry-After
    is counted from the stamps in the table (the re-read), not from the stale view."""
    limits = Limits(client=Limit(2, 600), number=Limit(5, 600))
    _put_slots(dynamodb_store, CLIENT_PK, {0: make_stamp(T0 - 200), 1: make_stamp(T0 - 100)})
    assert dynamodb_store.claim(NUMBER, "client-a", limits, T0, seen=Snapshot(None)) == Claim(Gate.BLOCKED, 400)


def test_dynamodb_last_chance_needs_a_clean_record_in_the_table(dynamodb_store: Any) -> None:
    """GIVEN a number whose slots are all live WHEN a client with a clean record claims THEN it gets its one last
    chance in slot 0; a client whose view looks clean but whose table item holds a live stamp is blocked."""
    limits = Limits(client=Limit(3, 600), number=Limit(2, 600))
    full = {0: make_stamp(T0 - 50), 1: make_stamp(T0 - 10)}
    _put_slots(dynamodb_store, NUMBER_PK, full)
    claim = dynamodb_store.claim(NUMBER, "client-a", limits, T0)
    assert claim == Claim(Gate.LAST_CHANCE, 550, claim.stamp, 0, None)
    assert _slot_attributes(dynamodb_store, CLIENT_PK) == {"s0": claim.stamp}
    assert _slot_attributes(dynamodb_store, NUMBER_PK) == {f"s{i}": s for i, s in full.items()}

    recent = make_stamp(T0 - 5)
    _put_slots(dynamodb_store, "slots#client#client-b", {2: recent})   # live, beyond slot 0
    clean_view = Snapshot(None, Slots(), Slots.of(full.items(), 3))
    assert dynamodb_store.claim(NUMBER, "client-b", limits, T0, seen=clean_view) == Claim(Gate.BLOCKED, 550)
    assert _slot_attributes(dynamodb_store, "slots#client#client-b") == {"s2": recent}


def test_dynamodb_a_number_filled_meanwhile_gives_the_client_slot_back(dynamodb_store: Any) -> None:
    """GIVEN a stale view in which the number has room while its slots are all live in the table WHEN a clean
    client claims THEN the client slot it took is given back and the attempt becomes its last chance (slot 0)."""
    limits = Limits(client=Limit(3, 600), number=Limit(2, 600))
    full = {0: make_stamp(T0 - 50), 1: make_stamp(T0 - 10)}
    _put_slots(dynamodb_store, NUMBER_PK, full)
    claim = dynamodb_store.claim(NUMBER, "client-a", limits, T0, seen=Snapshot(None))
    assert claim == Claim(Gate.LAST_CHANCE, 550, claim.stamp, 0, None)
    assert _slot_attributes(dynamodb_store, CLIENT_PK) == {"s0": claim.stamp}


def _record_calls(store: Any) -> list[tuple[str, dict[str, Any]]]:
    """Every request the store's client sends, as (operation, parameters), from botocore's own event."""
    calls: list[tuple[str, dict[str, Any]]] = []
    store.client.meta.events.register("provide-client-params.dynamodb.*",
                                      lambda params, model, **_: calls.append((model.name, dict(params))))
    return calls


def test_dynamodb_reads_are_strongly_consistent(dynamodb_store: Any) -> None:
    """GIVEN a certificate WHEN the lookup reads it, counts an attempt without a view and the loader gets it
    THEN every read asks for a strongly consistent answer (a limit counted on a stale read could be passed)."""
    put_certificate(dynamodb_store, certificate_doc(), KEY)
    calls = _record_calls(dynamodb_store)
    dynamodb_store.read(NUMBER, "client-a", Limits(), T0)
    dynamodb_store.claim(NUMBER, "client-a", Limits(), T0)
    dynamodb_store.get(NUMBER)
    reads = [(name, params) for name, params in calls if name in ("BatchGetItem", "GetItem")]
    assert [name for name, _ in reads] == ["BatchGetItem", "GetItem", "GetItem", "GetItem"]
    assert reads[0][1]["RequestItems"][dynamodb_store.table]["ConsistentRead"] is True
    assert all(params["ConsistentRead"] is True for _, params in reads[1:])


def test_dynamodb_a_blocked_claim_writes_nothing(dynamodb_store: Any) -> None:
    """GIVEN a client whose slots are all live WHEN it claims without a view THEN both items are read, no
    write is tried, and the answer waits for the client's oldest stamp."""
    limits = Limits(client=Limit(2, 600), number=Limit(5, 600))
    _put_slots(dynamodb_store, CLIENT_PK, {0: make_stamp(T0 - 200), 1: make_stamp(T0 - 100)})
    calls = _record_calls(dynamodb_store)
    assert dynamodb_store.claim(NUMBER, "client-a", limits, T0) == Claim(Gate.BLOCKED, 400)
    assert [name for name, _ in calls] == ["GetItem", "GetItem"]


def test_dynamodb_a_number_filled_meanwhile_blocks_a_client_without_a_clean_record(dynamodb_store: Any) -> None:
    """GIVEN a client with one live attempt and a stale view in which the number has room while it is full in the
    table WHEN the client claims THEN its new slot is given back and it waits for the number's oldest stamp."""
    limits = Limits(client=Limit(3, 600), number=Limit(2, 600))
    full = {0: make_stamp(T0 - 50), 1: make_stamp(T0 - 10)}
    mine = make_stamp(T0 - 300)
    _put_slots(dynamodb_store, NUMBER_PK, full)
    _put_slots(dynamodb_store, CLIENT_PK, {2: mine})
    assert dynamodb_store.claim(NUMBER, "client-a", limits, T0, seen=Snapshot(None)) == Claim(Gate.BLOCKED, 550)
    assert _slot_attributes(dynamodb_store, CLIENT_PK) == {"s2": mine}


def test_dynamodb_last_chance_expires_with_the_client_window(dynamodb_store: Any) -> None:
    limits = Limits(client=Limit(3, 450), number=Limit(2, 600))
    _put_slots(dynamodb_store, NUMBER_PK, {0: make_stamp(T0 - 50), 1: make_stamp(T0 - 10)})
    claim = dynamodb_store.claim(NUMBER, "client-a", limits, T0)
    assert claim.gate is Gate.LAST_CHANCE
    assert _item(dynamodb_store, CLIENT_PK, "slots") == {"pk": {"S": CLIENT_PK}, "sk": {"S": "slots"},
                                                         "s0": {"N": str(claim.stamp)},
                                                         "expires_at": {"N": str(int(T0) + 451)}}


def test_dynamodb_keys_left_unprocessed_are_asked_once_more(dynamodb_store: Any) -> None:
    """GIVEN a first answer that leaves every key unprocessed (and carries no Responses at all) WHEN the lookup
    reads THEN the keys are asked for again and the second answer counts; left unprocessed twice, the store is
    unavailable after exactly two requests."""
    from botocore.stub import Stubber

    table = dynamodb_store.table
    keys = [{"pk": {"S": f"cert#{NUMBER}"}, "sk": {"S": "certificate"}}]
    left = {table: {"Keys": keys}}
    item = {"pk": {"S": f"cert#{NUMBER}"}, "sk": {"S": "certificate"}, "key_hash": {"S": "s256v1$ab"},
            "revision": {"S": "r"}}
    with Stubber(dynamodb_store.client) as stub:
        stub.add_response("batch_get_item", {"UnprocessedKeys": left})
        stub.add_response("batch_get_item", {"Responses": {table: [item]}})
        snap = dynamodb_store.read(NUMBER, "client-a", Limits(), T0)
        stub.assert_no_pending_responses()
    assert snap.certificate == StoredCertificate(NUMBER, "s256v1$ab", None, "r")
    with Stubber(dynamodb_store.client) as stub:
        stub.add_response("batch_get_item", {"Responses": {}, "UnprocessedKeys": left})
        stub.add_response("batch_get_item", {"Responses": {}, "UnprocessedKeys": left})
        with pytest.raises(StoreUnavailable, match=r"^dynamodb: keys left unprocessed \(throttled\)$"):
            dynamodb_store.read(NUMBER, "client-a", Limits(), T0)
        stub.assert_no_pending_responses()


def test_dynamodb_a_slot_that_is_not_a_number_is_corrupt(dynamodb_store: Any) -> None:
    dynamodb_store.client.put_item(TableName=dynamodb_store.table, Item={
        "pk": {"S": CLIENT_PK}, "sk": {"S": "slots"}, "s3": {"N": "1.5"}})
    with pytest.raises(StoreCorrupt, match=r"^dynamodb: slot s3 is not a number$"):
        dynamodb_store.read(NUMBER, "client-a", Limits(), T0)


def test_dynamodb_client_takes_its_region_and_short_timeouts(monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN the region variables WHEN a client is made THEN an explicit region wins, then AWS_REGION, then
    AWS_DEFAULT_REGION, then Tokyo; and every client has the lookup's short timeouts and two attempts."""
    from lambda_verify.stores.dynamodb import make_client

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_REGION", "us-west-2")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    assert make_client("ap-southeast-2").meta.region_name == "ap-southeast-2"
    assert make_client().meta.region_name == "us-west-2"
    monkeypatch.delenv("AWS_REGION")
    assert make_client().meta.region_name == "eu-west-1"
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    client = make_client()
    assert client.meta.region_name == "ap-northeast-1"
    assert (client.meta.config.connect_timeout, client.meta.config.read_timeout) == (1.0, 2.0)
    assert client.meta.config.retries["total_max_attempts"] == 2


def test_dynamodb_table_is_made_with_ttl_on_expires_at(dynamodb_env: str) -> None:
    from lambda_verify.stores.dynamodb import create_table, make_client

    client = make_client()
    create_table(client, "ttl-check")
    try:
        ttl = client.describe_time_to_live(TableName="ttl-check")["TimeToLiveDescription"]
        assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", "expires_at")
    finally:
        client.delete_table(TableName="ttl-check")


def _initialise_after(path: str, barrier: Any, answers: Any) -> None:
    from pathlib import Path

    from lambda_verify.stores.sqlite import initialise

    barrier.wait()
    try:
        initialise(Path(path))
        answers.put("ok")
    except Exception as exc:  # what the test reports
        answers.put(repr(exc))


def test_loaders_creating_the_same_new_sqlite_file_at_once_all_succeed(tmp_path: Any) -> None:
    # GIVEN six processes that create the same new store file at the same moment, twenty times over
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    failures = []
    for round_ in range(20):
        path = str(tmp_path / f"store-{round_}.sqlite3")
        barrier, answers = ctx.Barrier(6), ctx.Queue()
        procs = [ctx.Process(target=_initialise_after, args=(path, barrier, answers)) for _ in range(6)]
        for proc in procs:
            proc.start()
        # WHEN they have all answered THEN every one of them created or found the store (none saw it locked)
        failures += [answer for answer in (answers.get(timeout=60) for _ in procs) if answer != "ok"]
        for proc in procs:
            proc.join()
    assert failures == []
