"""The store interface, the same for SQLite and DynamoDB (moto_server), plus the Lambda package's
promises: light imports, one place for the headers, eras that agree with the site's."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from lambda_verify.limits import Gate, Limit, Limits
from lambda_verify.security import HSTS, SECURITY_HEADERS
from lambda_verify.stores import StoreConflict, StoreUnavailable, open_store

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
