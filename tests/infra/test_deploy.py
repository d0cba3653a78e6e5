"""scripts/deploy.py against a real S3/CloudFront API (moto_server on 127.0.0.1)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from scripts import deploy
from scripts.deploy import CACHE_LONG, CACHE_MEDIUM, CACHE_SHORT, DeployError

from .conftest import ROOT

SITE = {
    "index.html": "<!doctype html><title>電子保証ガイド</title>",
    "404.html": "<!doctype html><title>ページが見つかりません</title>",
    "municipalities/taketa/index.html": "<!doctype html><title>竹田市</title>",
    "lookup/index.html": "<!doctype html><title>電子証書の確認</title>",
    "theme/css/site.css": "body{font-family:sans-serif}",
    "theme/css/site.3f2a9c1b.css": "body{color:#111}",
    "theme/js/adopters.js": "(function(){})();",
    "feeds/all.atom.xml": "<?xml version='1.0' encoding='utf-8'?><feed/>",
    "pagefind/pagefind-entry.json": "{}",
    "pagefind/fragment/ja_8f1e2b3c4d.pf_fragment": "x",
}


def write_site(root: Path, files: dict[str, str] = SITE) -> Path:
    for key, text in files.items():
        path = root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def run_publish(
    clients: tuple[Any, Any], bucket: str, distribution_id: str, output: Path, **options: Any
) -> tuple[deploy.Plan, list[str]]:
    s3, cloudfront = clients
    lines: list[str] = []
    plan = deploy.publish(
        s3, cloudfront, bucket=bucket, distribution_id=distribution_id, output_dir=output,
        out=lines.append, **options,
    )
    return plan, lines


def keys(s3: Any, bucket: str) -> set[str]:
    return set(deploy.list_remote(s3, bucket))


def invalidations(cloudfront: Any, distribution_id: str) -> int:
    result = cloudfront.list_invalidations(DistributionId=distribution_id)["InvalidationList"]
    return result.get("Quantity", 0)


# ---------------------------------------------------------------- rules (no server)


@pytest.mark.parametrize(
    ("name", "content_type", "cache_control"),
    [
        ("index.html", "text/html; charset=utf-8", CACHE_SHORT),
        ("theme/css/site.css", "text/css; charset=utf-8", CACHE_MEDIUM),
        ("theme/css/site.3f2a9c1b.css", "text/css; charset=utf-8", CACHE_LONG),
        ("theme/js/app.0a1b2c3d4e5f.js", "text/javascript; charset=utf-8", CACHE_LONG),
        ("theme/js/adopters.js", "text/javascript; charset=utf-8", CACHE_MEDIUM),
        ("feeds/all.atom.xml", "application/atom+xml; charset=utf-8", CACHE_SHORT),
        ("sitemap.xml", "application/xml; charset=utf-8", CACHE_SHORT),
        ("adopters.json", "application/json; charset=utf-8", CACHE_SHORT),
        ("adopters.csv", "text/csv; charset=utf-8", CACHE_SHORT),
        ("calendar.ics", "text/calendar; charset=utf-8", CACHE_SHORT),
        ("robots.txt", "text/plain; charset=utf-8", CACHE_SHORT),
        ("theme/img/logo.svg", "image/svg+xml; charset=utf-8", CACHE_MEDIUM),
        ("theme/img/step4.png", "image/png", CACHE_MEDIUM),
        ("theme/img/step4.webp", "image/webp", CACHE_MEDIUM),
        ("theme/fonts/noto.woff2", "font/woff2", CACHE_MEDIUM),
        ("docs/key-notice.pdf", "application/pdf", CACHE_MEDIUM),
        ("docs/minutes-20240101.pdf", "application/pdf", CACHE_MEDIUM),  # a date is not a fingerprint
        ("pagefind/pagefind-entry.json", "application/json; charset=utf-8", CACHE_SHORT),
        ("pagefind/pagefind.js", "text/javascript; charset=utf-8", CACHE_MEDIUM),
        ("pagefind/pagefind.ja_1d2e3f4a5b6c.pf_meta", "application/octet-stream", CACHE_LONG),
        ("pagefind/index/ja_8f1e2b3c4d.pf_index", "application/octet-stream", CACHE_LONG),
        ("pagefind/fragment/ja_8f1e2b3c4d.pf_fragment", "application/octet-stream", CACHE_LONG),
        ("pagefind/fragment/ja_f936660.pf_fragment", "application/octet-stream", CACHE_LONG),  # Pagefind: 7
        ("pagefind/filter/ja_30ac7d5.pf_filter", "application/octet-stream", CACHE_LONG),
        ("pagefind/index/ja_1234567.pf_index", "application/octet-stream", CACHE_MEDIUM),  # digits only
        ("theme/img/v1.2.3.png", "image/png", CACHE_MEDIUM),
        ("pagefind/wasm.ja.pagefind", "application/octet-stream", CACHE_MEDIUM),
        ("pagefind/pagefind.wasm", "application/wasm", CACHE_MEDIUM),
        ("index.3f2a9c1b.html", "text/html; charset=utf-8", CACHE_SHORT),  # pages are never immutable
    ],
)
def test_content_type_and_cache_control(name: str, content_type: str, cache_control: str) -> None:
    file_name = name.rsplit("/", 1)[-1]
    assert deploy.content_type_for(file_name) == content_type
    assert deploy.cache_control_for(file_name) == cache_control


def test_refuses_output_without_index(tmp_path: Path) -> None:
    """An empty or wrong folder must never reach --prune, which would empty the live bucket."""
    (tmp_path / "stray.css").write_text("x")
    with pytest.raises(DeployError, match=r"no index\.html"):
        deploy.scan_output(tmp_path)


# ---------------------------------------------------------------- against moto_server


def test_publish_sets_headers_and_republish_is_a_no_op(
    clients: tuple[Any, Any], bucket: str, distribution_id: str, tmp_path: Path
) -> None:
    s3, cloudfront = clients
    output = write_site(tmp_path / "output")
    plan, lines = run_publish(clients, bucket, distribution_id, output)

    assert keys(s3, bucket) == set(SITE)
    expected = {
        "index.html": ("text/html; charset=utf-8", CACHE_SHORT),
        "municipalities/taketa/index.html": ("text/html; charset=utf-8", CACHE_SHORT),
        "theme/css/site.css": ("text/css; charset=utf-8", CACHE_MEDIUM),
        "theme/css/site.3f2a9c1b.css": ("text/css; charset=utf-8", CACHE_LONG),
        "feeds/all.atom.xml": ("application/atom+xml; charset=utf-8", CACHE_SHORT),
        "pagefind/fragment/ja_8f1e2b3c4d.pf_fragment": ("application/octet-stream", CACHE_LONG),
    }
    for key, (content_type, cache_control) in expected.items():
        head = s3.head_object(Bucket=bucket, Key=key)
        assert (head["ContentType"], head["CacheControl"]) == (content_type, cache_control), key
    body = s3.get_object(Bucket=bucket, Key="municipalities/taketa/index.html")["Body"].read()
    assert body.decode("utf-8") == SITE["municipalities/taketa/index.html"]
    assert invalidations(cloudfront, distribution_id) == 1

    # Assets before pages: a page never names a file that is not up yet.
    order = [u.file.key for u in plan.uploads]
    assert max(order.index(k) for k in order if not k.endswith((".html", ".xml", ".json"))) < min(
        order.index(k) for k in order if k.endswith(".html")
    )

    again, lines = run_publish(clients, bucket, distribution_id, output)
    assert again.uploads == [] and again.deletions == []
    assert len(again.unchanged) == len(SITE)
    assert invalidations(cloudfront, distribution_id) == 1, "nothing changed, so no new invalidation"
    assert any("nothing changed" in line for line in lines)


def test_changed_files_are_uploaded_and_stale_ones_pruned(
    clients: tuple[Any, Any], bucket: str, distribution_id: str, tmp_path: Path
) -> None:
    s3, cloudfront = clients
    output = write_site(tmp_path / "output")
    run_publish(clients, bucket, distribution_id, output)

    (output / "municipalities/taketa/index.html").write_text("<title>竹田市（更新）</title>", encoding="utf-8")
    (output / "lookup/index.html").unlink()
    plan, _ = run_publish(clients, bucket, distribution_id, output)

    assert [(u.file.key, u.reason) for u in plan.uploads] == [("municipalities/taketa/index.html", "changed")]
    assert plan.deletions == ["lookup/index.html"]
    assert "lookup/index.html" not in keys(s3, bucket)
    assert invalidations(cloudfront, distribution_id) == 2


def test_no_prune_keeps_stale_objects(
    clients: tuple[Any, Any], bucket: str, distribution_id: str, tmp_path: Path
) -> None:
    s3, _ = clients
    s3.put_object(Bucket=bucket, Key="old/index.html", Body=b"old")
    plan, _ = run_publish(clients, bucket, distribution_id, write_site(tmp_path / "output"), prune=False)
    assert plan.deletions == []
    assert "old/index.html" in keys(s3, bucket)


def test_wrong_headers_on_unchanged_content_are_fixed(
    clients: tuple[Any, Any], bucket: str, distribution_id: str, tmp_path: Path
) -> None:
    """Same bytes, old headers (e.g. after a change of the rules): the object is uploaded again."""
    s3, _ = clients
    output = write_site(tmp_path / "output")
    s3.put_object(Bucket=bucket, Key="index.html", Body=SITE["index.html"].encode(), ContentType="text/html")
    plan, _ = run_publish(clients, bucket, distribution_id, output)
    assert ("index.html", "headers") in [(u.file.key, u.reason) for u in plan.uploads]
    assert s3.head_object(Bucket=bucket, Key="index.html")["ContentType"] == "text/html; charset=utf-8"


def test_failed_upload_deletes_nothing_and_holds_pages_back(
    clients: tuple[Any, Any], bucket: str, distribution_id: str, tmp_path: Path
) -> None:
    from botocore.exceptions import EndpointConnectionError

    s3, cloudfront = clients
    s3.put_object(Bucket=bucket, Key="old/index.html", Body=b"stale page")
    s3.put_object(Bucket=bucket, Key="index.html", Body=b"previous home page")
    output = write_site(tmp_path / "output")

    def fail_one(params: dict[str, Any], **_: Any) -> None:
        if params.get("Key") == "theme/css/site.css":
            raise EndpointConnectionError(endpoint_url="simulated")

    s3.meta.events.register("before-parameter-build.s3.PutObject", fail_one)
    try:
        with pytest.raises(DeployError) as failure:
            run_publish(clients, bucket, distribution_id, output)
    finally:
        s3.meta.events.unregister("before-parameter-build.s3.PutObject", fail_one)

    message = str(failure.value)
    assert "theme/css/site.css" in message and "nothing was deleted" in message
    assert "old/index.html" in keys(s3, bucket), "stale object removed although an upload failed"
    assert s3.get_object(Bucket=bucket, Key="index.html")["Body"].read() == b"previous home page"
    assert invalidations(cloudfront, distribution_id) == 0

    # The next run, with the cause gone, finishes the job.
    plan, _ = run_publish(clients, bucket, distribution_id, output)
    assert "theme/css/site.css" in [u.file.key for u in plan.uploads]
    assert keys(s3, bucket) == set(SITE)


# ---------------------------------------------------------------- the command line


def target(bucket: str, distribution_id: str, output: Path) -> list[str]:
    return ["--bucket", bucket, "--distribution-id", distribution_id, "--output-dir", str(output)]


def run_cli(aws_env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scripts.deploy", *args],
        cwd=ROOT,
        env=dict(aws_env, PATH="/usr/bin:/bin", PYTHONIOENCODING="utf-8"),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_cli_dry_run_prints_the_plan_and_changes_nothing(
    aws_env: dict[str, str], clients: tuple[Any, Any], bucket: str, distribution_id: str, tmp_path: Path
) -> None:
    s3, cloudfront = clients
    s3.put_object(Bucket=bucket, Key="old/index.html", Body=b"old")
    output = write_site(tmp_path / "output")
    result = run_cli(aws_env, *target(bucket, distribution_id, output), "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "upload  index.html  (new; text/html; charset=utf-8; public, max-age=300)" in result.stdout
    assert "delete  old/index.html" in result.stdout
    assert f"then invalidate /* on CloudFront distribution {distribution_id}" in result.stdout
    assert "dry run" in result.stdout
    assert keys(s3, bucket) == {"old/index.html"}
    assert invalidations(cloudfront, distribution_id) == 0


def test_cli_publishes(
    aws_env: dict[str, str], clients: tuple[Any, Any], bucket: str, distribution_id: str, tmp_path: Path
) -> None:
    s3, cloudfront = clients
    output = write_site(tmp_path / "output")
    result = run_cli(aws_env, *target(bucket, distribution_id, output))
    assert result.returncode == 0, result.stderr
    assert keys(s3, bucket) == set(SITE)
    assert invalidations(cloudfront, distribution_id) == 1
    assert "invalidation" in result.stdout


def test_cli_reports_a_missing_bucket(aws_env: dict[str, str], tmp_path: Path) -> None:
    output = write_site(tmp_path / "output")
    result = run_cli(aws_env, *target("no-such-bucket-here", "E123", output))
    assert result.returncode == 1
    assert "could not read s3://no-such-bucket-here" in result.stderr
    assert "Nothing was changed" in result.stderr
