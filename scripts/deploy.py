"""Publish the built site (output/) to its S3 bucket, then invalidate the CloudFront cache.

    python -m scripts.deploy --bucket BUCKET --distribution-id DIST [--dry-run] [--no-prune]

Why it works the way it does:

* Only changed files are uploaded (the local MD5 against the object's ETag, and the object's
  Content-Type / Cache-Control against what this module would set), so a republish costs a listing
  and a few requests instead of thousands of PUTs.
* Files that other files point to (CSS, JS, images, search index) go up first and the pages last, so a
  viewer never gets a new page that names an asset not uploaded yet. If anything fails, the pages are
  not uploaded, nothing is deleted and the cache is not invalidated: the live site stays as it was
  (apart from new assets no page uses yet) and the command can simply be run again.
* Stale objects are removed only after every upload succeeded; the bucket is versioned (infra/), so
  even a wrong removal can be undone for 30 days.
* The endpoint comes from the standard AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_S3 /
  AWS_ENDPOINT_URL_CLOUDFRONT variables that boto3 reads itself (the tests point them at moto_server).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import logging
import os
import re
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from esurety.kernel.content_types import CONTENT_TYPES, content_type_for

__all__ = [
    "CACHE_LONG",
    "CACHE_MEDIUM",
    "CACHE_SHORT",
    "CONTENT_TYPES",
    "DeployError",
    "LocalFile",
    "Plan",
    "cache_control_for",
    "content_type_for",
    "is_fingerprinted",
    "main",
    "make_plan",
    "publish",
    "scan_output",
]

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent


#: Pages, feeds and data that name other files: short, so a publish shows within minutes everywhere.
CACHE_SHORT = "public, max-age=300"
#: Files whose name carries a hash of their content never change under that name.
CACHE_LONG = "public, max-age=31536000, immutable"
#: Other assets (unfingerprinted CSS/JS, images, PDFs): short enough that a new page and an old
#: stylesheet do not live side by side for long in a browser cache.
CACHE_MEDIUM = "public, max-age=3600"

SHORT_CACHE_ENDINGS = frozenset(
    {".html", ".htm", ".xml", ".atom", ".rss", ".ics", ".csv", ".xlsx", ".json", ".txt", ".webmanifest"}
)
#: A page is never immutable, whatever its name looks like: it is what points to the new assets.
NEVER_IMMUTABLE_ENDINGS = frozenset({".html", ".htm"})

#: A name segment of 7–64 hex digits with at least one digit and one letter, e.g. site.3f2a9c1b.css or
#: pagefind's ja_6219e4b.pf_index (Pagefind uses 7). Requiring both keeps dates (20240101) and words
#: out; a hash that happens to be all digits only loses the long cache, never gets a wrong one.
_SEGMENT_SPLIT = re.compile(r"[._-]")
_HEX = re.compile(r"[0-9a-f]{7,64}", re.IGNORECASE)

#: Never published: operating-system litter and build caches.
SKIP_NAMES = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})
SKIP_DIRS = frozenset({"__pycache__", ".webassets-cache", ".git"})

DELETE_BATCH = 1000  # the DeleteObjects limit


class DeployError(Exception):
    """A publish that cannot start or did not finish; the message says what state the bucket is in."""


@dataclass(frozen=True)
class LocalFile:
    """One file of output/ and the headers it is published with."""

    key: str
    path: Path
    md5: str
    content_type: str
    cache_control: str

    @property
    def is_document(self) -> bool:
        """Pages and other short-lived files that point at assets; uploaded after everything else."""
        return self.cache_control == CACHE_SHORT


@dataclass(frozen=True)
class Upload:
    file: LocalFile
    reason: str  # "new", "changed" or "headers"


@dataclass
class Plan:
    """What a publish will do; printed as is by --dry-run."""

    uploads: list[Upload] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    deletions: list[str] = field(default_factory=list)

    @property
    def changes_anything(self) -> bool:
        return bool(self.uploads or self.deletions)


# ---------------------------------------------------------------- rules


def _endings(name: str) -> list[str]:
    """``a.b.atom.xml`` → [".b.atom.xml", ".atom.xml", ".xml"], longest first."""
    parts = name.split(".")
    return ["." + ".".join(parts[i:]).lower() for i in range(1, len(parts))]


def _ending(name: str, table: Iterable[str]) -> str | None:
    known = set(table)
    return next((e for e in _endings(name) if e in known), None)


def is_fingerprinted(name: str) -> bool:
    """True when the file name carries a content hash (then the file can be cached for a year)."""
    for segment in _SEGMENT_SPLIT.split(name):
        if _HEX.fullmatch(segment) and re.search(r"\d", segment) and re.search(r"[a-f]", segment, re.I):
            return True
    return False


def cache_control_for(name: str) -> str:
    """Cache-Control for a file name: pages short, fingerprinted assets a year, other assets an hour."""
    ending = os.path.splitext(name)[1].lower()
    if ending in NEVER_IMMUTABLE_ENDINGS:
        return CACHE_SHORT
    if is_fingerprinted(name):
        return CACHE_LONG
    if _ending(name, SHORT_CACHE_ENDINGS) is not None:
        return CACHE_SHORT
    return CACHE_MEDIUM


# ---------------------------------------------------------------- local and remote state


def _md5(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def scan_output(output_dir: Path) -> list[LocalFile]:
    """Every publishable file under ``output_dir``, keyed by its path relative to it (the URL path)."""
    if not (output_dir / "index.html").is_file():
        # Guard for --prune: an empty or wrong folder would otherwise delete the whole live site.
        raise DeployError(
            f"{output_dir} has no index.html; build the site first "
            "(.venv/bin/python -m scripts.build --settings publishconf.py). Nothing was changed."
        )
    files: list[LocalFile] = []
    for directory, dirnames, filenames in os.walk(output_dir):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        for name in sorted(filenames):
            if name in SKIP_NAMES:
                continue
            path = Path(directory, name)
            key = path.relative_to(output_dir).as_posix()
            files.append(LocalFile(key, path, _md5(path), content_type_for(name), cache_control_for(name)))
    return files


def list_remote(s3: Any, bucket: str) -> dict[str, str]:
    """Key → ETag (without quotes) of every object in the bucket."""
    remote: dict[str, str] = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            remote[item["Key"]] = item["ETag"].strip('"')
    return remote


def _headers_differ(s3: Any, bucket: str, file: LocalFile) -> bool:
    head = s3.head_object(Bucket=bucket, Key=file.key)
    return head.get("ContentType") != file.content_type or head.get("CacheControl") != file.cache_control


def make_plan(
    s3: Any,
    bucket: str,
    local: Sequence[LocalFile],
    *,
    prune: bool = True,
    workers: int = 8,
) -> Plan:
    """Compare ``local`` with the bucket. Same ETag still uploads when the headers rules changed."""
    remote = list_remote(s3, bucket)
    plan = Plan()
    same_content = []
    for file in local:
        etag = remote.get(file.key)
        if etag is None:
            plan.uploads.append(Upload(file, "new"))
        elif etag != file.md5:  # also true for multipart ETags ("…-2"), which never equal an MD5
            plan.uploads.append(Upload(file, "changed"))
        else:
            same_content.append(file)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        differ = list(pool.map(lambda f: _headers_differ(s3, bucket, f), same_content))
    for file, headers_changed in zip(same_content, differ):
        if headers_changed:
            plan.uploads.append(Upload(file, "headers"))
        else:
            plan.unchanged.append(file.key)
    if prune:
        wanted = {file.key for file in local}
        plan.deletions = sorted(key for key in remote if key not in wanted)
    plan.uploads.sort(key=lambda u: (u.file.is_document, u.file.key))
    return plan


# ---------------------------------------------------------------- actions


def _put(s3: Any, bucket: str, file: LocalFile) -> None:
    body = file.path.read_bytes()
    s3.put_object(
        Bucket=bucket,
        Key=file.key,
        Body=body,
        ContentType=file.content_type,
        CacheControl=file.cache_control,
        ContentMD5=base64.b64encode(hashlib.md5(body, usedforsecurity=False).digest()).decode("ascii"),
    )


def _upload_wave(s3: Any, bucket: str, uploads: Sequence[Upload], workers: int) -> list[tuple[str, str]]:
    """Upload in parallel; returns (key, error) for every failure instead of stopping at the first."""
    from botocore.exceptions import BotoCoreError, ClientError

    def one(upload: Upload) -> tuple[str, str] | None:
        try:
            _put(s3, bucket, upload.file)
        except (BotoCoreError, ClientError, OSError) as exc:
            logger.debug("upload of %s failed", upload.file.key, exc_info=True)
            return upload.file.key, str(exc)
        return None

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return [failure for failure in pool.map(one, uploads) if failure is not None]


def _delete(s3: Any, bucket: str, keys: Sequence[str]) -> list[tuple[str, str]]:
    from botocore.exceptions import BotoCoreError, ClientError

    failures: list[tuple[str, str]] = []
    for start in range(0, len(keys), DELETE_BATCH):
        batch = keys[start : start + DELETE_BATCH]
        try:
            response = s3.delete_objects(
                Bucket=bucket, Delete={"Objects": [{"Key": key} for key in batch], "Quiet": True}
            )
        except (BotoCoreError, ClientError) as exc:
            failures.extend((key, str(exc)) for key in batch)
            continue
        for error in response.get("Errors", []):
            failures.append((error["Key"], error.get("Message") or error.get("Code", "?")))
    return failures


def _invalidate(cloudfront: Any, distribution_id: str) -> str:
    response = cloudfront.create_invalidation(
        DistributionId=distribution_id,
        InvalidationBatch={
            "Paths": {"Quantity": 1, "Items": ["/*"]},  # one path: within the free 1,000 a month
            "CallerReference": f"scripts.deploy-{time.time_ns()}",
        },
    )
    return response["Invalidation"]["Id"]


def print_plan(plan: Plan, bucket: str, distribution_id: str, out: Callable[[str], None] = print) -> None:
    for upload in plan.uploads:
        file = upload.file
        out(f"upload  {file.key}  ({upload.reason}; {file.content_type}; {file.cache_control})")
    for key in plan.deletions:
        out(f"delete  {key}")
    out(
        f"{len(plan.uploads)} to upload, {len(plan.deletions)} to delete, "
        f"{len(plan.unchanged)} unchanged in s3://{bucket}"
    )
    if plan.changes_anything:
        out(f"then invalidate /* on CloudFront distribution {distribution_id}")
    else:
        out("nothing changed: no invalidation needed")


def publish(
    s3: Any,
    cloudfront: Any,
    *,
    bucket: str,
    distribution_id: str,
    output_dir: Path,
    prune: bool = True,
    dry_run: bool = False,
    workers: int = 8,
    out: Callable[[str], None] = print,
) -> Plan:
    """Plan, upload assets, upload pages, prune, invalidate; raises DeployError when not all of it worked."""
    from botocore.exceptions import BotoCoreError, ClientError

    local = scan_output(output_dir)
    try:
        plan = make_plan(s3, bucket, local, prune=prune, workers=workers)
    except (BotoCoreError, ClientError) as exc:
        raise DeployError(f"could not read s3://{bucket}: {exc}\nNothing was changed.") from exc
    print_plan(plan, bucket, distribution_id, out)
    if dry_run:
        out("dry run: nothing was uploaded, deleted or invalidated")
        return plan

    assets = [u for u in plan.uploads if not u.file.is_document]
    documents = [u for u in plan.uploads if u.file.is_document]
    failures = _upload_wave(s3, bucket, assets, workers)
    if failures:
        skipped = len(documents)
        raise DeployError(
            _failure_text(failures)
            + f"\nThe {skipped} page(s) to publish were held back, nothing was deleted and CloudFront was not"
            " invalidated, so no page points at a missing file. Fix the cause and run the same command again."
        )
    failures = _upload_wave(s3, bucket, documents, workers)
    if failures:
        raise DeployError(
            _failure_text(failures)
            + "\nNothing was deleted and CloudFront was not invalidated. Run the same command again;"
            " only what is still different will be uploaded."
        )

    delete_failures = _delete(s3, bucket, plan.deletions) if plan.deletions else []
    if plan.changes_anything:
        try:
            invalidation = _invalidate(cloudfront, distribution_id)
        except (BotoCoreError, ClientError) as exc:
            raise DeployError(
                f"every file was published, but the invalidation failed: {exc}\nRun: aws cloudfront"
                f" create-invalidation --distribution-id {distribution_id} --paths '/*'"
            ) from exc
        out(f"invalidation {invalidation} created for /* on {distribution_id}")
    if delete_failures:
        raise DeployError(
            _failure_text(delete_failures, verb="delete")
            + "\nEvery file was uploaded and CloudFront was invalidated; only these stale objects remain."
        )
    if plan.changes_anything:
        out(f"published: {len(plan.uploads)} uploaded, {len(plan.deletions)} deleted in s3://{bucket}")
    return plan


def _failure_text(failures: Sequence[tuple[str, str]], verb: str = "upload") -> str:
    lines = [f"{len(failures)} {verb}(s) failed:"]
    lines += [f"  {key}: {error}" for key, error in sorted(failures)[:20]]
    if len(failures) > 20:
        lines.append(f"  … and {len(failures) - 20} more")
    return "\n".join(lines)


# ---------------------------------------------------------------- command line


def _clients(region: str | None) -> tuple[Any, Any]:
    import boto3
    from botocore.config import Config

    config = Config(retries={"mode": "standard", "max_attempts": 5}, max_pool_connections=32)
    session = boto3.session.Session(region_name=region)
    s3 = session.client("s3", config=config)
    cloudfront = session.client("cloudfront", region_name="us-east-1", config=config)  # a global service
    return s3, cloudfront


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.deploy",
        description="Publish output/ to the site bucket and invalidate CloudFront (see README, Deploy).",
    )
    parser.add_argument("--bucket", required=True, help="stack output BucketName")
    parser.add_argument("--distribution-id", required=True, help="stack output DistributionId")
    parser.add_argument(
        "--output-dir", type=Path, default=ROOT / "output", help="the built site (default: output/)"
    )
    parser.add_argument("--dry-run", action="store_true", help="print the plan and change nothing")
    parser.add_argument(
        "--prune",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="delete objects that are no longer in output/, after all uploads succeeded (default: on)",
    )
    parser.add_argument("--region", default=None, help="bucket region (default: from the AWS configuration)")
    parser.add_argument("--workers", type=int, default=8, help="parallel requests (default: 8)")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING, format="%(levelname)s %(message)s"
    )

    s3, cloudfront = _clients(args.region)
    try:
        publish(
            s3,
            cloudfront,
            bucket=args.bucket,
            distribution_id=args.distribution_id,
            output_dir=args.output_dir,
            prune=args.prune,
            dry_run=args.dry_run,
            workers=max(1, args.workers),
        )
    except DeployError as exc:
        print(f"deploy failed: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
