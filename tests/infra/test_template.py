"""infra/template.yaml and infra/waf.yaml: cfn-lint clean, and the properties the design depends on."""

from __future__ import annotations

import ast
import importlib.util
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from .conftest import ROOT, TEMPLATE, WAF_TEMPLATE, _venv_tool

SECURITY_MODULE = ROOT / "lambda_verify" / "security.py"
HANDLER_MODULE = ROOT / "lambda_verify" / "handler.py"
DYNAMODB_STORE = ROOT / "lambda_verify" / "stores" / "dynamodb.py"
LOOKUP_SCRIPT = ROOT / "theme" / "static" / "js" / "lookup.js"
#: DynamoDbStore methods used by staff tools (scripts/load_certificates.py), never by the function.
STAFF_METHODS = frozenset({"get", "put"})


def resources_of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: res for name, res in template["Resources"].items() if res["Type"] == kind}


def only(template: dict[str, Any], kind: str) -> dict[str, Any]:
    found = resources_of_type(template, kind)
    assert len(found) == 1, f"expected one {kind}, found {sorted(found)}"
    return next(iter(found.values()))["Properties"]


def distribution_config(template: dict[str, Any]) -> dict[str, Any]:
    return only(template, "AWS::CloudFront::Distribution")["DistributionConfig"]


def api_behaviour(template: dict[str, Any]) -> dict[str, Any]:
    behaviours = [b for b in distribution_config(template)["CacheBehaviors"] if b["PathPattern"] == "/api/*"]
    assert len(behaviours) == 1
    return behaviours[0]


# ---------------------------------------------------------------- lint


@pytest.fixture(scope="module")
def lint_findings() -> list[dict[str, Any]]:
    """The README's own check, once for both templates: cfn-lint with informational rules included."""
    executable = _venv_tool("cfn-lint")
    if executable is None:
        pytest.skip("cfn-lint is not installed")
    result = subprocess.run(
        [executable, "--include-checks", "I", "--regions", "ap-northeast-1", "us-east-1", "--format", "json",
         "--", str(TEMPLATE), str(WAF_TEMPLATE)],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode in (0, 2, 4, 6, 8, 10, 12, 14), result.stderr  # bit flags: error/warning/info
    return json.loads(result.stdout or "[]")


@pytest.mark.parametrize("path", [TEMPLATE, WAF_TEMPLATE], ids=lambda p: p.name)
def test_cfn_lint_is_clean(path: Path, lint_findings: list[dict[str, Any]]) -> None:
    mine = [f for f in lint_findings if Path(f["Filename"]).resolve() == path.resolve()]
    report = "\n".join(
        f"{f['Rule']['Id']} {f['Message']} ({f['Location']['Start']['LineNumber']})" for f in mine
    )
    assert not mine, f"cfn-lint {path.name}:\n{report}"


# ---------------------------------------------------------------- site bucket and CloudFront


def test_bucket_is_private_and_read_only_through_the_distribution(template: dict[str, Any]) -> None:
    bucket = only(template, "AWS::S3::Bucket")
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    assert bucket["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    assert "WebsiteConfiguration" not in bucket

    statements = only(template, "AWS::S3::BucketPolicy")["PolicyDocument"]["Statement"]
    allows = [s for s in statements if s["Effect"] == "Allow"]
    for statement in allows:
        assert statement["Principal"] == {"Service": "cloudfront.amazonaws.com"}
        source = statement["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Sub"]
        assert "distribution/${Distribution}" in source
    assert {s["Action"] for s in allows} == {"s3:GetObject", "s3:ListBucket"}

    site_origin = next(o for o in distribution_config(template)["Origins"] if o["Id"] == "site")
    assert site_origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    oacs = resources_of_type(template, "AWS::CloudFront::OriginAccessControl")
    assert site_origin["OriginAccessControlId"] == {"Fn::GetAtt": ["SiteOriginAccessControl", "Id"]}
    site_oac = oacs["SiteOriginAccessControl"]["Properties"]["OriginAccessControlConfig"]
    assert site_oac["OriginAccessControlOriginType"] == "s3"


def test_api_goes_to_the_function_url_behind_a_lambda_oac(template: dict[str, Any]) -> None:
    url = only(template, "AWS::Lambda::Url")
    assert url["AuthType"] == "AWS_IAM"
    assert url["TargetFunctionArn"] == {"Fn::GetAtt": ["VerifyFunction", "Arn"]}

    behaviour = api_behaviour(template)
    origins = distribution_config(template)["Origins"]
    origin = next(o for o in origins if o["Id"] == behaviour["TargetOriginId"])
    assert origin["DomainName"] == {
        "Fn::Select": [2, {"Fn::Split": ["/", {"Fn::GetAtt": ["VerifyFunctionUrl", "FunctionUrl"]}]}]
    }
    assert origin["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    oac_name = origin["OriginAccessControlId"]["Fn::GetAtt"][0]
    oac = template["Resources"][oac_name]["Properties"]["OriginAccessControlConfig"]
    assert (oac["OriginAccessControlOriginType"], oac["SigningBehavior"]) == ("lambda", "always")
    assert "POST" in behaviour["AllowedMethods"]
    assert behaviour["CachePolicyId"] == "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"  # CachingDisabled

    permissions = [p["Properties"] for p in resources_of_type(template, "AWS::Lambda::Permission").values()]
    assert {p["Action"] for p in permissions} == {"lambda:InvokeFunctionUrl", "lambda:InvokeFunction"}
    for permission in permissions:
        assert permission["Principal"] == "cloudfront.amazonaws.com"
        assert "distribution/${Distribution}" in permission["SourceArn"]["Fn::Sub"]
    invoke = next(p for p in permissions if p["Action"] == "lambda:InvokeFunction")
    assert invoke["InvokedViaFunctionUrl"] is True


def test_viewer_address_reaches_the_function_and_host_does_not(template: dict[str, Any]) -> None:
    """The per-address limit needs CloudFront-Viewer-Address; a function URL refuses a foreign Host."""
    policy_name = api_behaviour(template)["OriginRequestPolicyId"]["Ref"]
    config = template["Resources"][policy_name]["Properties"]["OriginRequestPolicyConfig"]
    headers = config["HeadersConfig"]
    assert headers["HeaderBehavior"] == "whitelist"
    names = {h.lower() for h in headers["Headers"]}
    assert "cloudfront-viewer-address" in names
    assert "host" not in names
    # CloudFront uses the viewer's x-amz-content-sha256 itself when signing for an OAC Lambda origin.
    assert "x-amz-content-sha256" not in names


def test_pretty_urls_are_rewritten_to_index_html(template: dict[str, Any]) -> None:
    node = _venv_tool("node") or shutil.which("node")
    if node is None:
        pytest.skip("node is not installed; the CloudFront function is JavaScript")
    code = only(template, "AWS::CloudFront::Function")["FunctionCode"]
    cases = {
        "/": "/index.html",
        "/lookup/": "/lookup/index.html",
        "/lookup": "/lookup/index.html",
        "/municipalities/taketa": "/municipalities/taketa/index.html",
        "/theme/css/site.3f2a9c1b.css": "/theme/css/site.3f2a9c1b.css",
        "/feeds/all.atom.xml": "/feeds/all.atom.xml",
    }
    script = code + "\nconst cases = " + json.dumps(list(cases)) + ";\n" + (
        "console.log(JSON.stringify(cases.map(u => handler({request: {uri: u, headers: {}}}).uri)));"
    )
    result = subprocess.run([node, "-e", script], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert dict(zip(cases, json.loads(result.stdout))) == cases


def test_custom_domain_is_optional(template: dict[str, Any]) -> None:
    for name in ("DomainName", "CertificateArn", "HostedZoneId", "WebAclArn"):
        assert template["Parameters"][name]["Default"] == ""
    config = distribution_config(template)
    assert config["Aliases"]["Fn::If"][0] == "HasCustomDomain"
    assert config["ViewerCertificate"]["Fn::If"][2] == {"CloudFrontDefaultCertificate": True}
    assert config["WebACLId"]["Fn::If"][0] == "HasWebAcl"


# ---------------------------------------------------------------- function and table


def test_function_is_capped_logged_and_packaged_with_its_import_path(template: dict[str, Any]) -> None:
    function = template["Resources"]["VerifyFunction"]
    props = function["Properties"]
    assert props["Handler"] == "lambda_verify.handler.handler"
    assert props["Runtime"] in {"python3.11", "python3.12"}
    assert props["ReservedConcurrentExecutions"]["Fn::If"][1] == {"Ref": "ReservedConcurrency"}
    assert template["Parameters"]["ReservedConcurrency"]["Default"] > 0
    assert props["Environment"]["Variables"]["CERTIFICATES_TABLE"] == {"Ref": "CertificatesTable"}
    assert function["Metadata"]["BuildMethod"] == "makefile"
    assert (TEMPLATE.parent / props["CodeUri"] / "Makefile").is_file()

    log_group = template["Resources"][props["LoggingConfig"]["LogGroup"]["Ref"]]["Properties"]
    assert log_group["RetentionInDays"] == {"Ref": "LogRetentionDays"}


def test_function_role_is_least_privilege(template: dict[str, Any]) -> None:
    role = template["Resources"]["VerifyFunctionRole"]["Properties"]
    assert "ManagedPolicyArns" not in role
    statements = [s for p in role["Policies"] for s in p["PolicyDocument"]["Statement"]]
    for statement in statements:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert statement["Effect"] == "Allow"
        assert all("*" not in action for action in actions), actions
        assert statement["Resource"] != "*"
    table_actions = {a for s in statements for a in s["Action"] if a.startswith("dynamodb:")}
    assert not table_actions & {"dynamodb:Scan", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"}


def _store_calls() -> set[str]:
    """IAM actions for every ``self.client.<call>(…)`` in DynamoDbStore's lookup methods."""
    tree = ast.parse(DYNAMODB_STORE.read_text(encoding="utf-8"))
    store = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "DynamoDbStore")
    calls: set[str] = set()
    for method in store.body:
        if not isinstance(method, ast.FunctionDef) or method.name in STAFF_METHODS | {"__init__", "close"}:
            continue
        for node in ast.walk(method):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and ast.unparse(node.func.value) == "self.client"):
                calls.add("dynamodb:" + "".join(part.title() for part in node.func.attr.split("_")))
    return calls


def test_function_role_allows_exactly_what_the_store_calls(template: dict[str, Any]) -> None:
    if not DYNAMODB_STORE.exists():
        pytest.skip("lambda_verify/stores/dynamodb.py is not written yet")
    role = template["Resources"]["VerifyFunctionRole"]["Properties"]
    statements = [s for p in role["Policies"] for s in p["PolicyDocument"]["Statement"]]
    granted = {a for s in statements for a in s["Action"] if a.startswith("dynamodb:")}
    called = _store_calls()
    assert called, "found no DynamoDB calls in the store; has it moved?"
    assert granted == called, f"role grants {sorted(granted)}, the lookup calls {sorted(called)}"


def test_table_is_on_demand_with_pitr_and_ttl(template: dict[str, Any]) -> None:
    table = template["Resources"]["CertificatesTable"]
    assert table["DeletionPolicy"] == "Retain"
    props = table["Properties"]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert [k["AttributeName"] for k in props["KeySchema"]] == ["pk", "sk"]


def test_function_bundle_keeps_the_package_at_its_root(tmp_path: Path) -> None:
    """The Makefile sam runs: lambda_verify/ lands at the bundle root, without caches, from any directory."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    repo = tmp_path / "repo"
    (repo / "infra" / "function").mkdir(parents=True)
    shutil.copy(TEMPLATE.parent / "function" / "Makefile", repo / "infra" / "function" / "Makefile")
    package = repo / "lambda_verify"
    (package / "__pycache__").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "handler.py").write_text("def handler(event, context):\n    return {'statusCode': 200}\n")
    (package / "__pycache__" / "handler.cpython-312.pyc").write_bytes(b"")
    scratch = tmp_path / "scratch"  # sam runs make from a scratch copy, not from the repository
    scratch.mkdir()
    bundle = tmp_path / "bundle"
    result = subprocess.run(
        ["make", "--makefile", str(repo / "infra" / "function" / "Makefile"), "build-VerifyFunction",
         f"ARTIFACTS_DIR={bundle}", "SKIP_DEPENDENCIES=1"],
        cwd=scratch, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert (bundle / "lambda_verify" / "handler.py").is_file()
    assert not list(bundle.rglob("__pycache__"))
    loaded = subprocess.run(
        [sys.executable, "-c", "import lambda_verify.handler as h; print(h.handler({}, None)['statusCode'])"],
        cwd=bundle, capture_output=True, text=True, timeout=30,
    )
    assert loaded.stdout.strip() == "200", loaded.stderr


def test_real_bundle_imports_the_handler(tmp_path: Path) -> None:
    """The repository's own lambda_verify/, bundled as sam would, imports from the bundle root."""
    if not HANDLER_MODULE.exists() or shutil.which("make") is None:
        pytest.skip("lambda_verify/handler.py or make is missing")
    bundle = tmp_path / "bundle"
    result = subprocess.run(
        ["make", "--makefile", str(TEMPLATE.parent / "function" / "Makefile"), "build-VerifyFunction",
         f"ARTIFACTS_DIR={bundle}", "SKIP_DEPENDENCIES=1"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in bundle.iterdir()) == ["lambda_verify"]
    loaded = subprocess.run(
        [sys.executable, "-I", "-c", "import sys; sys.path.insert(0, sys.argv[1]); import lambda_verify.handler as h; "
         "assert h.__file__.startswith(sys.argv[1]), h.__file__; print(callable(h.handler))", str(bundle)],
        cwd=bundle, capture_output=True, text=True, timeout=30,
    )
    assert loaded.stdout.strip() == "True", loaded.stderr


def test_lookup_page_signs_its_body(template: dict[str, Any]) -> None:
    """A Lambda OAC refuses a POST without x-amz-content-sha256: the page must send the body's SHA-256."""
    if not LOOKUP_SCRIPT.exists():
        pytest.skip("theme/static/js/lookup.js is not written yet")
    script = LOOKUP_SCRIPT.read_text(encoding="utf-8")
    assert re.search(r"""["']x-amz-content-sha256["']\s*:""", script)
    assert re.search(r"""crypto\.subtle\.digest\(\s*["']SHA-256["']""", script)


def test_handler_named_in_the_template_exists(template: dict[str, Any]) -> None:
    if not HANDLER_MODULE.exists():
        pytest.skip("lambda_verify/handler.py is not written yet (the lookup is being built in parallel)")
    module, function = template["Resources"]["VerifyFunction"]["Properties"]["Handler"].rsplit(".", 1)
    assert (ROOT / (module.replace(".", "/") + ".py")).is_file()
    assert f"def {function}(" in HANDLER_MODULE.read_text(encoding="utf-8")


# ---------------------------------------------------------------- security headers: one source


def policy_headers(config: dict[str, Any]) -> dict[str, str]:
    """The response headers a CloudFront ResponseHeadersPolicy adds, as CloudFront writes them."""
    security = config.get("SecurityHeadersConfig", {})
    headers: dict[str, str] = {}
    if "ContentSecurityPolicy" in security:
        headers["content-security-policy"] = security["ContentSecurityPolicy"]["ContentSecurityPolicy"]
    if "StrictTransportSecurity" in security:
        sts = security["StrictTransportSecurity"]
        value = f"max-age={sts['AccessControlMaxAgeSec']}"
        value += "; includeSubDomains" if sts.get("IncludeSubdomains") else ""
        value += "; preload" if sts.get("Preload") else ""
        headers["strict-transport-security"] = value
    if "ContentTypeOptions" in security:
        headers["x-content-type-options"] = "nosniff"
    if "FrameOptions" in security:
        headers["x-frame-options"] = security["FrameOptions"]["FrameOption"]
    if "ReferrerPolicy" in security:
        headers["referrer-policy"] = security["ReferrerPolicy"]["ReferrerPolicy"]
    if "XSSProtection" in security:
        xss = security["XSSProtection"]
        value = "1" if xss["Protection"] else "0"
        headers["x-xss-protection"] = value + ("; mode=block" if xss.get("ModeBlock") else "")
    for item in config.get("CustomHeadersConfig", {}).get("Items", []):
        headers[item["Header"].lower()] = item["Value"]
    return headers


def _normalise(name: str, value: str) -> str:
    value = " ".join(value.split())
    if name in {"strict-transport-security", "content-security-policy"}:
        # Directive order and spacing carry no meaning; directive names are case-insensitive.
        parts = [p.strip() for p in value.split(";") if p.strip()]
        return "; ".join(sorted(p.lower() if name == "strict-transport-security" else p for p in parts))
    if name in {"x-frame-options", "x-content-type-options", "referrer-policy"}:
        return value.lower()
    return value


def test_response_headers_policy_has_the_required_headers(template: dict[str, Any]) -> None:
    config = only(template, "AWS::CloudFront::ResponseHeadersPolicy")["ResponseHeadersPolicyConfig"]
    headers = policy_headers(config)
    for name in ("content-security-policy", "strict-transport-security", "x-content-type-options",
                 "x-frame-options", "referrer-policy"):
        assert name in headers, name
    assert all(item.get("Override") for item in config["SecurityHeadersConfig"].values())
    behaviours = [distribution_config(template)["DefaultCacheBehavior"], api_behaviour(template)]
    for behaviour in behaviours:
        assert behaviour["ResponseHeadersPolicyId"] == {"Ref": "SecurityHeadersPolicy"}


def test_response_headers_policy_equals_lambda_security_module(template: dict[str, Any]) -> None:
    """One source: lambda_verify/security.py. CloudFront must send exactly what the function sends."""
    if not SECURITY_MODULE.exists():
        pytest.skip("lambda_verify/security.py does not exist yet; written in parallel by the lookup work")
    spec = importlib.util.spec_from_file_location("_esurety_security_under_test", SECURITY_MODULE)
    assert spec and spec.loader
    security = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(security)

    expected = {name.lower(): value for name, value in security.SECURITY_HEADERS.items()}
    expected.setdefault("strict-transport-security", security.HSTS)
    assert _normalise("strict-transport-security", expected["strict-transport-security"]) == _normalise(
        "strict-transport-security", security.HSTS
    ), "SECURITY_HEADERS and HSTS disagree inside security.py"

    config = only(template, "AWS::CloudFront::ResponseHeadersPolicy")["ResponseHeadersPolicyConfig"]
    actual = policy_headers(config)
    assert sorted(actual) == sorted(expected), "header names differ between template and security.py"
    for name in expected:
        assert _normalise(name, actual[name]) == _normalise(name, expected[name]), name
