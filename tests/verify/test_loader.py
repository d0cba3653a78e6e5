"""The loader: idempotent, refuses overwrites and key changes without a flag, --dry-run, three input
formats, generated keys, and the key notice with its QR code."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from esurety.loader.notice import chromium_path, lookup_link, render_notice
from lambda_verify.keys import KEY_ALPHABET
from lambda_verify.stores.sqlite import SqliteStore
from scripts import load_certificates as loader

from .support import ROOT, FakeClock, json_event, make_app

DEMO = ROOT / "data" / "demo_certificates.yaml"


def run(*args: str | Path) -> int:
    return loader.main([str(a) for a in args])


def snapshot(db: Path) -> dict[str, Any]:
    if not db.exists():
        return {}
    store = SqliteStore(db)
    try:
        conn = store._conn()
        rows = conn.execute("SELECT * FROM certificates ORDER BY guarantee_number").fetchall()
        return {r[0]: r for r in rows}
    finally:
        store.close()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "verify.sqlite3"


@pytest.fixture
def notices(tmp_path: Path) -> Path:
    return tmp_path / "notices"


def write_yaml(path: Path, data: Any) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def one_certificate(**overrides: Any) -> dict[str, Any]:
    cert: dict[str, Any] = {
        "guarantee_number": "2099000201",
        "guarantor": "wjcs",
        "certificate_type": "advance_payment",
        "branch": "大阪支店",
        "branch_phone": "06-6543-2711",
        "versions": [{
            "issued_on": "2026-04-10", "contractor_name": "テスト建設株式会社", "orderer": "テスト市長",
            "work_name": "テスト工事", "contract_amount": "100,000,000", "guaranteed_amount": 40000000,
            "guarantee_start": "2026-04-10", "guarantee_end": "令和9年3月31日",
        }],
    }
    cert.update(overrides)
    return cert


# ---------------------------------------------------------------------- the demo file, both stores


def test_demo_load_is_idempotent(db: Path, notices: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(DEMO, "--demo", "--db", db, "--notices", notices) == 0
    first = snapshot(db)
    assert len(first) == 5
    written = {p: p.stat().st_mtime_ns for p in notices.iterdir()}
    assert len([p for p in written if p.suffix == ".html"]) == 5
    capsys.readouterr()
    assert run(DEMO, "--demo", "--db", db, "--notices", notices) == 0
    out = capsys.readouterr().out
    assert out.count(": 変更なし") == 5 and "登録 0 件、更新 0 件" in out
    assert snapshot(db) == first
    assert {p: p.stat().st_mtime_ns for p in notices.iterdir()} == written


def test_demo_load_into_dynamodb_is_idempotent(dynamodb_table: str, notices: Path) -> None:
    assert run(DEMO, "--demo", "--table", dynamodb_table, "--notices", notices, "--quiet") == 0
    from lambda_verify.stores.dynamodb import DynamoDbStore

    store = DynamoDbStore(dynamodb_table)
    before = {n: store.get(n) for n in ("2099000101", "99001-000101")}
    assert run(DEMO, "--demo", "--table", dynamodb_table, "--notices", notices, "--quiet") == 0
    assert {n: store.get(n) for n in before} == before
    assert before["2099000101"].demo is True


def test_demo_certificates_can_be_looked_up_with_the_readme_keys(db: Path, notices: Path) -> None:
    assert run(DEMO, "--demo", "--db", db, "--notices", notices, "--quiet") == 0
    demo = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    app = make_app(SqliteStore(db), FakeClock())
    for cert in demo["certificates"]:
        number, key = cert["guarantee_number"], cert["access_key"]
        assert number in readme and key in readme, f"README must list {number} / {key}"
        result = app(json_event({"guarantee_number": number, "access_key": key}))
        assert result["statusCode"] == 200, (number, result["body"][:200])
        assert "デモ" in json.loads(result["body"])["html"]


# ---------------------------------------------------------------------- generated keys and notices


def test_generated_key_is_written_only_to_the_notice(tmp_path: Path, db: Path, notices: Path) -> None:
    src = write_yaml(tmp_path / "export.yaml", [one_certificate()])
    assert run(src, "--db", db, "--notices", notices, "--site-url", "https://guide.example.jp/", "--no-pdf") == 0
    html = (notices / "2099000201.html").read_text(encoding="utf-8")
    key = re.search(r'class="notice__key">([^<]+)<', html).group(1)
    assert len(key) == 16 and set(key) <= set(KEY_ALPHABET)
    stored = SqliteStore(db).get("2099000201")
    assert key not in stored.key_hash and key not in stored.document
    assert oct((notices / "2099000201.html").stat().st_mode & 0o777) == "0o600"
    result = make_app(SqliteStore(db), FakeClock())(json_event({"guarantee_number": "2099000201", "access_key": key}))
    assert result["statusCode"] == 200
    # the QR code is the lookup link with number and key in the fragment, nowhere else
    link = lookup_link("https://guide.example.jp/", "2099000201", key)
    assert link == f"https://guide.example.jp/lookup/#n=2099000201&k={key}"
    import html as html_lib

    import segno

    assert segno.make(link, error="m").svg_data_uri(scale=4, border=4) in html_lib.unescape(html)
    assert "https://guide.example.jp/lookup/<" in html  # the printed address has no fragment


def test_notice_names_what_the_issued_notice_names() -> None:
    from lambda_verify.model import Certificate

    from .support import certificate_doc

    html = render_notice(Certificate.from_dict(certificate_doc(demo=True)), "K7QWMP3RX9TB4HNC",
                         site_url="http://127.0.0.1:8000", issued_on=dt.date(2026, 11, 20))
    for text in ("電子証書閲覧用「認証キー」等のお知らせ", "前払金保証", "2099000101", "K7QWMP3RX9TB4HNC",
                 "テスト道路改良工事", "テスト市長", "西日本建設業保証株式会社", "デモ", "令和8年11月20日"):
        assert text in html, text
    assert "style=" not in html and "<script" not in html


def test_each_guarantors_notice_bears_its_own_name() -> None:
    """GIVEN an EJCS certificate WHEN its key notice is written THEN the notice is titled as EJCS names it
    (電子保証にかかる「認証キー」のお知らせ), not with WJCS's name."""
    import datetime as dt

    from lambda_verify.model import Certificate

    from .support import certificate_doc

    doc = certificate_doc()
    doc["guarantee_number"] = "99001-000101"
    doc["guarantor"] = {"id": "ejcs", "name": "東日本建設業保証株式会社", "branch": "秋田支店"}
    html = render_notice(Certificate.from_dict(doc), "Hq4mT8vR2nWx", site_url="http://127.0.0.1:8000",
                         issued_on=dt.date(2026, 11, 20))
    assert '<h1 class="notice__title">電子保証にかかる「認証キー」のお知らせ</h1>' in html
    assert "<title>電子保証にかかる「認証キー」のお知らせ 99001-000101</title>" in html
    assert "電子証書閲覧用" not in html


def test_pdf_notice_with_chromium(tmp_path: Path, db: Path, notices: Path) -> None:
    assert chromium_path() is not None, "Chromium is missing: `make system-packages` installs it"
    src = write_yaml(tmp_path / "export.yaml", [one_certificate()])
    assert run(src, "--db", db, "--notices", notices, "--site-url", "https://guide.example.jp", "--pdf") == 0
    assert (notices / "2099000201.pdf").read_bytes().startswith(b"%PDF")


# ---------------------------------------------------------------------- changes, refusals, dry run


def test_change_versions_and_cancellation_are_added_without_a_flag(tmp_path: Path, db: Path, notices: Path) -> None:
    base = one_certificate(access_key="Tm7Qx2Lp9Rv4")
    src = write_yaml(tmp_path / "a.yaml", [base])
    assert run(src, "--db", db, "--no-notices") == 0
    base["versions"].append({"issued_on": "2026-09-01", "guaranteed_amount": 48000000, "contract_amount": 120000000})
    write_yaml(src, [base])
    assert run(src, "--db", db, "--no-notices") == 0
    doc = json.loads(SqliteStore(db).get("2099000201").document)
    assert [v["seq"] for v in doc["versions"]] == [0, 1]
    assert doc["versions"][1]["work_name"] == "テスト工事"  # carried over from 新規
    base.update(cancelled_on="2026-10-01", cancel_reason="契約解除")
    write_yaml(src, [base])
    assert run(src, "--db", db, "--no-notices") == 0
    assert json.loads(SqliteStore(db).get("2099000201").document)["cancellation"]["on"] == "2026-10-01"
    assert run(src, "--db", db, "--no-notices") == 0  # and again: nothing to do


def test_overwrite_is_refused_without_the_flag(tmp_path: Path, db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cert = one_certificate(access_key="Tm7Qx2Lp9Rv4")
    src = write_yaml(tmp_path / "a.yaml", [cert, one_certificate(guarantee_number="2099000202")])
    assert run(src, "--db", db, "--no-notices") == 0
    before = snapshot(db)
    cert["versions"][0]["guaranteed_amount"] = 45000000
    write_yaml(src, [cert, one_certificate(guarantee_number="2099000202", guarantor="wjcs",
                                           versions=[dict(cert["versions"][0], work_name="別の工事")])])
    capsys.readouterr()
    assert run(src, "--db", db, "--no-notices") == 1
    err = capsys.readouterr().err
    assert "--overwrite" in err and "拒否" in err
    assert snapshot(db) == before  # nothing at all was written, not even the other certificate
    assert run(src, "--db", db, "--no-notices", "--overwrite") == 0
    assert json.loads(SqliteStore(db).get("2099000201").document)["versions"][0]["guaranteed_amount"] == 45000000


def test_key_rotation_is_refused_without_the_flag(tmp_path: Path, db: Path, notices: Path) -> None:
    cert = one_certificate(access_key="Tm7Qx2Lp9Rv4")
    src = write_yaml(tmp_path / "a.yaml", [cert])
    assert run(src, "--db", db, "--no-notices") == 0
    cert["access_key"] = "Wk3Nd8Yf5Bz2"
    write_yaml(src, [cert])
    before = snapshot(db)
    assert run(src, "--db", db, "--no-notices") == 1
    assert snapshot(db) == before
    assert run(src, "--db", db, "--notices", notices, "--site-url", "https://guide.example.jp", "--no-pdf",
               "--rotate-key") == 0
    app = make_app(SqliteStore(db), FakeClock())
    assert app(json_event({"guarantee_number": "2099000201", "access_key": "Wk3Nd8Yf5Bz2"}))["statusCode"] == 200
    assert "Wk3Nd8Yf5Bz2" in (notices / "2099000201.html").read_text(encoding="utf-8")


def test_rotate_key_without_a_key_generates_one(tmp_path: Path, db: Path, notices: Path) -> None:
    src = write_yaml(tmp_path / "a.yaml", [one_certificate()])
    assert run(src, "--db", db, "--notices", notices, "--site-url", "https://x.example", "--no-pdf") == 0
    old = SqliteStore(db).get("2099000201").key_hash
    assert run(src, "--db", db, "--notices", notices, "--site-url", "https://x.example", "--no-pdf") == 0
    assert SqliteStore(db).get("2099000201").key_hash == old  # no key in the file, no flag: key kept
    assert run(src, "--db", db, "--notices", notices, "--site-url", "https://x.example", "--no-pdf",
               "--rotate-key") == 0
    assert SqliteStore(db).get("2099000201").key_hash != old


def test_dry_run_writes_nothing(tmp_path: Path, db: Path, notices: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(DEMO, "--demo", "--db", db, "--notices", notices, "--dry-run") == 0
    assert "--dry-run" in capsys.readouterr().out
    assert snapshot(db) == {} and not notices.exists()


def test_removing_a_cancellation_or_a_version_is_an_overwrite(tmp_path: Path, db: Path) -> None:
    cert = one_certificate(access_key="Tm7Qx2Lp9Rv4", cancelled_on="2026-10-01")
    cert["versions"].append({"issued_on": "2026-09-01", "guaranteed_amount": 48000000})
    src = write_yaml(tmp_path / "a.yaml", [cert])
    assert run(src, "--db", db, "--no-notices") == 0
    del cert["cancelled_on"]
    write_yaml(src, [cert])
    assert run(src, "--db", db, "--no-notices") == 1
    cert["cancelled_on"] = "2026-10-01"
    cert["versions"].pop()
    write_yaml(src, [cert])
    assert run(src, "--db", db, "--no-notices") == 1


# ---------------------------------------------------------------------- formats and mistakes


CSV_TEXT = """guarantee_number,version,guarantor,certificate_type,access_key,branch,branch_phone,issued_on,contractor_name,contractor_address,jv_name,orderer,work_name,contract_amount,guaranteed_amount,guarantee_start,guarantee_end,work_start,work_end,contract_date,deposit_bank,cancelled_on,cancel_reason
２０９９０００３０１,新規,wjcs,advance_payment,Tm7Qx2Lp9Rv4,大阪支店,06-6543-2711,2026/04/10,テスト建設株式会社,テスト県1-1,,テスト市長,テスト工事,"100,000,000",40000000,2026-04-10,2027-03-31,2026-04-10,2027-03-31,2026-04-08,テスト銀行,,
2099000301,変更1,,,,,,令和8年9月1日,,,,,,120000000,48000000,,2027-06-30,,2027-06-30,,,,
99001-000301,0,ejcs,contract_performance,,秋田支店,018-863-1000,2026-06-15,株式会社テスト組,,テスト・見本JV,見本町長,見本工事,50000000,5000000,,2027-01-29,,,,,,
"""


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp932"])
def test_csv_export_with_versions_on_rows(tmp_path: Path, db: Path, encoding: str) -> None:
    src = tmp_path / "export.csv"
    src.write_bytes(CSV_TEXT.encode(encoding))
    assert run(src, "--db", db, "--no-notices") == 0
    doc = json.loads(SqliteStore(db).get("2099000301").document)
    assert [v["guaranteed_amount"] for v in doc["versions"]] == [40000000, 48000000]
    assert doc["versions"][1]["issued_on"] == "2026-09-01"
    ejcs = json.loads(SqliteStore(db).get("99001-000301").document)
    assert ejcs["versions"][0]["contractor"]["jv_name"] == "テスト・見本JV"
    assert ejcs["certificate_type_label"] == "契約保証" and ejcs["guarantor"]["name"] == "東日本建設業保証株式会社"
    assert run(src, "--db", db, "--no-notices") == 0  # idempotent from CSV too


def test_json_export(tmp_path: Path, db: Path) -> None:
    src = tmp_path / "export.json"
    src.write_text(json.dumps({"certificates": [one_certificate(access_key="Tm7Qx2Lp9Rv4")]}, ensure_ascii=False),
                   encoding="utf-8")
    assert run(src, "--db", db, "--no-notices") == 0
    assert SqliteStore(db).get("2099000201") is not None


@pytest.mark.parametrize("change, message", [
    ({"guarantee_number": "12345"}, "保証契約番号"),
    ({"guarantor": "ejcs"}, "ejcs の番号の形式ではありません"),
    ({"certificate_type": "contract_reservation"}, "certificate_type"),
    ({"access_key": "short"}, "認証キー"),
    ({"colour": "red"}, "知らない項目"),
    ({"versions": [{"issued_on": "2026-04-10", "orderer": "x"}]}, "新規に必要な項目"),
    ({"versions": [{"issued_on": "someday", "contractor_name": "a"}]}, "日付として読めません"),
])
def test_invalid_input_is_refused_with_where_and_what(tmp_path: Path, db: Path, capsys: pytest.CaptureFixture[str],
                                                      change: dict, message: str) -> None:
    src = write_yaml(tmp_path / "bad.yaml", [one_certificate(**change)])
    assert run(src, "--db", db, "--no-notices") == 2
    err = capsys.readouterr().err
    assert message in err and "bad.yaml:" in err
    assert not db.exists() or snapshot(db) == {}


def test_demo_flag_and_file_must_agree(tmp_path: Path, db: Path) -> None:
    assert run(DEMO, "--db", db, "--no-notices") == 2  # a demo file without --demo
    real = write_yaml(tmp_path / "real.yaml", {"certificates": [one_certificate()]})
    assert run(real, "--demo", "--db", db, "--no-notices") == 2  # a real file with --demo


def test_demo_never_replaces_a_real_certificate(tmp_path: Path, db: Path) -> None:
    real = one_certificate(guarantee_number="2099000101", access_key="Tm7Qx2Lp9Rv4")
    assert run(write_yaml(tmp_path / "real.yaml", [real]), "--db", db, "--no-notices") == 0
    assert run(DEMO, "--demo", "--db", db, "--no-notices") == 1
    assert SqliteStore(db).get("2099000101").demo is False


def test_notices_need_a_site_address_outside_demo(tmp_path: Path, db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SITE_URL", raising=False)
    src = write_yaml(tmp_path / "a.yaml", [one_certificate()])
    assert run(src, "--db", db) == 2
    assert not db.exists() or snapshot(db) == {}


def test_loader_is_a_module_with_help() -> None:
    with pytest.raises(SystemExit) as exit_info:
        loader.parse_args(["--help"])
    assert exit_info.value.code == 0


def test_the_loader_stores_the_guarantors_wording_with_each_certificate(db: Path) -> None:
    """GIVEN the demo export WHEN it is loaded THEN each stored certificate carries its guarantor's fixed wording
    from data/guarantors.yaml: the statement for its own certificate type (none where the guarantor's documents
    give none), the notes, the terms pointer and the head office."""
    import json

    from esurety.kernel.glossary import glossary

    assert run(DEMO, "--demo", "--db", db, "--no-notices", "--quiet") == 0
    store = SqliteStore(db)
    wjcs = glossary().guarantors["wjcs"].certificate
    ejcs = glossary().guarantors["ejcs"].certificate
    assert wjcs is not None and ejcs is not None
    advance = json.loads(store.get("2099000101").document)
    assert advance["statement"] == wjcs.statements["advance_payment"]
    assert advance["notes"] == list(wjcs.notes) and advance["terms_url"] == wjcs.terms_url
    assert advance["guarantor"]["head_office_address"] == wjcs.head_office_address
    assert advance["guarantor"]["fax"] == "0120-304160"
    contract = json.loads(store.get("2099000102").document)
    assert contract["certificate_type"] == "contract_performance" and contract["statement"] is None
    east = json.loads(store.get("99001-000101").document)
    assert east["statement"] == ejcs.statements["advance_payment"] and east["terms_url"] is None
    assert east["guarantor"]["head_office_address"] == "東京都中央区八丁堀2丁目27番10号"
