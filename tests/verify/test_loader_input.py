"""What the loader refuses, and how: weak keys, encodings, wrong types, NUL, surplus columns, amounts —
each with exit status 2, the place and a Japanese message, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from esurety.loader.keypolicy import MIN_BITS, assess_key, key_strength_bits
from lambda_verify.keys import generate_key
from lambda_verify.stores.sqlite import SqliteStore
from scripts import load_certificates as loader

from .support import ROOT

HEADER = ("guarantee_number,version,guarantor,certificate_type,access_key,issued_on,contractor_name,orderer,"
          "work_name,contract_amount,guaranteed_amount,guarantee_end")


def row(number: str = "2099000401", name: str = "テスト建設", key: str = "Tm7Qx2Lp9Rv4", *,
        contract: str = "100000000", guaranteed: str = "40000000") -> str:
    return f"{number},0,wjcs,advance_payment,{key},2026-04-10,{name},テスト市長,テスト工事,{contract},{guaranteed},2027-03-31"


def cert(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "guarantee_number": "2099000401", "guarantor": "wjcs", "certificate_type": "advance_payment",
        "access_key": "Tm7Qx2Lp9Rv4", "branch": "大阪支店",
        "versions": [{"issued_on": "2026-04-10", "contractor_name": "テスト建設", "orderer": "テスト市長",
                      "work_name": "テスト工事", "contract_amount": 100_000_000, "guaranteed_amount": 40_000_000,
                      "guarantee_end": "2027-03-31"}],
    }
    base.update(overrides)
    return base


def load(path: Path, db: Path, *extra: str) -> int:
    return loader.main([str(path), "--db", str(db), "--no-notices", *extra])


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "verify.sqlite3"


def stored(db: Path) -> list[str]:
    if not db.exists():
        return []
    store = SqliteStore(db)
    try:
        return [r[0] for r in store._conn().execute("SELECT guarantee_number FROM certificates")]
    finally:
        store.close()


# ---------------------------------------------------------------------- weak keys


@pytest.mark.parametrize("key,why", [
    ("12345678", "10 文字以上"),
    ("aaaaaaaaaaaa", "繰り返し"),
    ("password", "10 文字以上"),
    ("Password1234", "パスワード"),
    ("qwertyuiop12", "キーボード"),
    ("0123456789ab", "連続"),
    ("AbcAbcAbcAbc", "繰り返し"),
    ("lI1lI1lIl1Il", "種類"),
    ("O0oO0oQ1lI1l", "見間違え"),
    ("7392018465", "ビット"),
])
def test_weak_keys_are_refused_unless_issued_as_they_are(tmp_path: Path, db: Path, key: str, why: str,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "a.yaml"
    src.write_text(yaml.safe_dump([cert(access_key=key)], allow_unicode=True), encoding="utf-8")
    if len(key) >= 8:
        assert not assess_key(key).ok
    assert load(src, db) == 2
    err = capsys.readouterr().err
    assert "弱い認証キー" in err and why in err and f"{src}:" in err and "Traceback" not in err
    assert stored(db) == []
    if len(key) >= 8:  # the lookup's own format needs 8; the guarantor may have issued such a key
        assert load(src, db, "--accept-issued-keys") == 0
        assert stored(db) == ["2099000401"]


def test_generated_and_demo_keys_pass_the_policy() -> None:
    assert all(assess_key(generate_key()).ok for _ in range(2000))
    demo = yaml.safe_load((ROOT / "data" / "demo_certificates.yaml").read_text(encoding="utf-8"))
    assert all(assess_key(c["access_key"]).ok for c in demo["certificates"])
    assert key_strength_bits("Hq4mT8vR2nWx") > MIN_BITS > key_strength_bits("1234567890")


# ---------------------------------------------------------------------- encodings


def test_a_utf8_file_with_one_shift_jis_line_is_refused_with_that_line(tmp_path: Path, db: Path,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "export.csv"
    src.write_bytes((HEADER + "\n" + row() + "\n").encode("utf-8") +
                    (row("2099000402", "見本組") + "\n").encode("cp932"))
    assert load(src, db) == 2
    err = capsys.readouterr().err
    assert f"{src}:3" in err and "混在" in err
    assert stored(db) == []


def test_a_stray_invalid_byte_is_invalid_input_with_its_line(tmp_path: Path, db: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "export.csv"
    src.write_bytes((HEADER + "\n" + row() + "\n").encode("utf-8") + b"2099000402,0,wjcs,\xff\xfe\n")
    assert load(src, db, "--encoding", "utf-8") == 2
    err = capsys.readouterr().err
    assert f"{src}:3" in err and "UTF-8" in err and "Traceback" not in err


@pytest.mark.parametrize("encoding", ["cp932", "utf-8"])
def test_one_encoding_given_or_detected(tmp_path: Path, db: Path, encoding: str) -> None:
    src = tmp_path / "export.csv"
    src.write_bytes((HEADER + "\n" + row(name="株式会社テスト組") + "\n").encode(encoding))
    assert load(src, db) == 0
    store = SqliteStore(db)
    assert "株式会社テスト組" in store.get("2099000401").document
    store.close()
    assert load(src, tmp_path / "other.sqlite3", "--encoding", "utf-8" if encoding == "cp932" else "cp932") == 2


# ---------------------------------------------------------------------- values and shapes


@pytest.mark.parametrize("change,message", [
    ({"branch": {"name": "大阪"}}, "文字で書いてください"),
    ({"branch": ["大阪"]}, "文字で書いてください"),
    ({"branch": True}, "文字で書いてください"),
    ({"branch": "大阪\x00支店"}, "制御文字"),
    ({"access_key": 1234567890123}, "文字で書いてください"),
])
def test_text_fields_must_be_text(tmp_path: Path, db: Path, change: dict[str, Any], message: str,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "a.json"
    src.write_text(json.dumps([cert(**change)], ensure_ascii=False), encoding="utf-8")
    assert load(src, db) == 2
    assert message in capsys.readouterr().err
    assert stored(db) == []


def test_nul_in_a_version_field_and_objects_in_versions(tmp_path: Path, db: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    bad = cert()
    bad["versions"][0]["contractor_name"] = "テスト\x00建設"
    src = tmp_path / "a.json"
    src.write_text(json.dumps([bad], ensure_ascii=False), encoding="utf-8")
    assert load(src, db) == 2
    assert "contractor_name" in capsys.readouterr().err
    bad["versions"][0]["contractor_name"] = {"name": "テスト建設"}
    src.write_text(json.dumps([bad], ensure_ascii=False), encoding="utf-8")
    assert load(src, db) == 2
    assert "文字で書いてください" in capsys.readouterr().err


def test_extra_csv_fields_and_unknown_columns_are_reported(tmp_path: Path, db: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "export.csv"
    src.write_text(HEADER + "\n" + row() + ",surplus\n", encoding="utf-8")
    assert load(src, db) == 2
    assert f"{src}:2" in (err := capsys.readouterr().err) and "列が多すぎます" in err
    src.write_text(HEADER + ",memo\n" + row() + ",x\n", encoding="utf-8")
    assert load(src, db) == 2
    assert "知らない列です: memo" in capsys.readouterr().err
    src.write_text(HEADER + ",orderer\n" + row() + ",x\n", encoding="utf-8")
    assert load(src, db) == 2
    assert "同じ名前の列" in capsys.readouterr().err


def test_a_guaranteed_amount_above_the_contract_amount_is_refused(tmp_path: Path, db: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "export.csv"
    src.write_text(HEADER + "\n" + row(contract="40000000", guaranteed="40000001") + "\n", encoding="utf-8")
    assert load(src, db) == 2
    assert "超えています" in capsys.readouterr().err
    src.write_text(HEADER + "\n" + row(contract="0", guaranteed="0") + "\n", encoding="utf-8")
    assert load(src, db) == 2


@pytest.mark.parametrize("content", [
    lambda: "[" * 5000 + "]" * 5000,
    lambda: json.dumps([cert()])[:-3],
    lambda: "\ufeff" + json.dumps({"certificates": [cert()], "extra": 1}),
])
def test_deep_or_broken_json_is_invalid_input(tmp_path: Path, db: Path, content: Any,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "a.json"
    src.write_text(content(), encoding="utf-8")
    assert load(src, db) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_a_huge_csv_field_and_deep_yaml_are_invalid_input(tmp_path: Path, db: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "export.csv"
    src.write_text(HEADER + "\n" + row(name="長" * 200_000) + "\n", encoding="utf-8")
    assert load(src, db) == 2
    deep = tmp_path / "deep.yaml"
    deep.write_text("a: " + "[" * 3000 + "]" * 3000 + "\n", encoding="utf-8")
    assert load(deep, db) == 2
    assert "Traceback" not in capsys.readouterr().err


# ---------------------------------------------------------------------- exit codes, as documented


def test_exit_codes_are_documented_and_kept() -> None:
    out = subprocess.run([sys.executable, "-m", "scripts.load_certificates", "--help"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    for code in ("0  完了", "1  拒否", "2  入力の誤り", "3  ストア"):
        assert code in out
    assert (loader.EXIT_OK, loader.EXIT_REFUSED, loader.EXIT_INVALID, loader.EXIT_UNAVAILABLE) == (0, 1, 2, 3)


def test_an_unreachable_store_is_exit_3_without_a_traceback(tmp_path: Path) -> None:
    src = tmp_path / "a.yaml"
    src.write_text(yaml.safe_dump([cert()], allow_unicode=True), encoding="utf-8")
    env = {"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x", "AWS_DEFAULT_REGION": "ap-northeast-1",
           "AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:9", "PATH": "/usr/bin:/bin",
           "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"}
    done = subprocess.run([sys.executable, "-m", "scripts.load_certificates", str(src), "--table", "t",
                           "--no-notices"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 3, done.stderr
    assert "Traceback" not in done.stderr and "ストア" in done.stderr
