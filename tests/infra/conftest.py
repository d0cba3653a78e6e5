"""Fixtures for the deployment tests: a moto_server on 127.0.0.1 and the parsed SAM template."""

from __future__ import annotations

import os
import shutil
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "infra" / "template.yaml"
WAF_TEMPLATE = ROOT / "infra" / "waf.yaml"
REGION = "ap-northeast-1"

#: Fake credentials only: moto accepts anything, and real ones must never be picked up by a test.
FAKE_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}


def _venv_tool(name: str) -> str | None:
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else shutil.which(name)


@pytest.fixture
def aws_env(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Environment that sends every boto3 call to moto, as the deploy script would see it."""
    env = dict(FAKE_AWS_ENV, AWS_ENDPOINT_URL=moto_endpoint)
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_CLOUDFRONT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


@pytest.fixture
def clients(aws_env: dict[str, str]) -> tuple[Any, Any]:
    import boto3

    session = boto3.session.Session(region_name=REGION)
    return session.client("s3"), session.client("cloudfront", region_name="us-east-1")


@pytest.fixture
def bucket(clients: tuple[Any, Any]) -> str:
    s3, _ = clients
    name = f"site-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    return name


@pytest.fixture
def distribution_id(clients: tuple[Any, Any], bucket: str) -> str:
    _, cloudfront = clients
    reference = uuid.uuid4().hex
    response = cloudfront.create_distribution(
        DistributionConfig={
            "CallerReference": reference,
            "Comment": "tests/infra",
            "Enabled": True,
            "Origins": {
                "Quantity": 1,
                "Items": [
                    {
                        "Id": "site",
                        "DomainName": f"{bucket}.s3.{REGION}.amazonaws.com",
                        "S3OriginConfig": {"OriginAccessIdentity": ""},
                    }
                ],
            },
            "DefaultCacheBehavior": {
                "TargetOriginId": "site",
                "ViewerProtocolPolicy": "redirect-to-https",
                "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6",
            },
        }
    )
    return response["Distribution"]["Id"]


@pytest.fixture(scope="session")
def template() -> dict[str, Any]:
    """infra/template.yaml as a dict; cfn-lint's loader understands !Ref, !Sub, !GetAtt and friends."""
    from cfnlint.decode import cfn_yaml

    return cfn_yaml.load(str(TEMPLATE))
