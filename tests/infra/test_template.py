"""infra/template.yaml and infra/waf.yaml: cfn-lint clean, and the properties the design depends on."""

from __future__ import annotations

import ast
import importlib.util
import json
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
    for path in (TEMPLATE, WAF_TEMPLATE):
        assert path.is_file(), f"{path.relative_to(ROOT)} is missing"
    executable = _venv_tool("cfn-lint")
    assert executable, "cfn-lint is missing: it is a pinned dev dependency (`make setup`)"
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


def test_api_goes_through_an_http_api_to_the_function(template: dict[str, Any]) -> None:
    """CloudFront → HTTP API (payload 2.0) → the function: a plain form POST needs no signature."""
    assert not resources_of_type(template, "AWS::Lambda::Url"), "the function URL is gone"
    oacs = [r["Properties"]["OriginAccessControlConfig"]
            for r in resources_of_type(template, "AWS::CloudFront::OriginAccessControl").values()]
    assert [o["OriginAccessControlOriginType"] for o in oacs] == ["s3"], "only the bucket has an OAC"

    api = only(template, "AWS::ApiGatewayV2::Api")
    assert api["ProtocolType"] == "HTTP"
    integration = only(template, "AWS::ApiGatewayV2::Integration")
    assert integration["IntegrationType"] == "AWS_PROXY"
    assert integration["PayloadFormatVersion"] == "2.0"
    assert integration["IntegrationUri"] == {"Fn::GetAtt": ["VerifyFunction", "Arn"]}
    assert "CredentialsArn" not in integration  # invoked through the function's resource policy only
    route = only(template, "AWS::ApiGatewayV2::Route")
    assert route["RouteKey"].split() == ["ANY", "/api/verify"]
    assert route["Target"] == {"Fn::Sub": "integrations/${VerifyIntegration}"}

    behaviour = api_behaviour(template)
    origin = next(o for o in distribution_config(template)["Origins"] if o["Id"] == behaviour["TargetOriginId"])
    assert origin["DomainName"] == {"Fn::Select": [2, {"Fn::Split": ["/", {"Fn::GetAtt": ["VerifyApi", "ApiEndpoint"]}]}]}
    assert "OriginAccessControlId" not in origin
    assert origin["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    assert "POST" in behaviour["AllowedMethods"]
    assert behaviour["CachePolicyId"] == "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"  # CachingDisabled


def test_only_this_api_may_invoke_the_function(template: dict[str, Any]) -> None:
    permissions = [p["Properties"] for p in resources_of_type(template, "AWS::Lambda::Permission").values()]
    assert len(permissions) == 1
    (permission,) = permissions
    assert permission["FunctionName"] == {"Ref": "VerifyFunction"}
    assert (permission["Action"], permission["Principal"]) == ("lambda:InvokeFunction", "apigateway.amazonaws.com")
    source = permission["SourceArn"]["Fn::Sub"]
    assert source.startswith("arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${VerifyApi}/")
    assert source.endswith("/api/verify")
    integrations = resources_of_type(template, "AWS::ApiGatewayV2::Integration")
    assert [i["Properties"]["IntegrationUri"] for i in integrations.values()] == \
        [{"Fn::GetAtt": ["VerifyFunction", "Arn"]}]


def test_api_stage_throttles_every_caller(template: dict[str, Any]) -> None:
    stage = only(template, "AWS::ApiGatewayV2::Stage")
    assert (stage["StageName"], stage["AutoDeploy"]) == ("$default", True)
    settings = stage["DefaultRouteSettings"]
    assert settings["ThrottlingRateLimit"] == {"Ref": "ApiRateLimit"}
    assert settings["ThrottlingBurstLimit"] == {"Ref": "ApiBurstLimit"}
    params = template["Parameters"]
    assert 0 < params["ApiRateLimit"]["Default"] <= params["ApiBurstLimit"]["Default"]


def _origin_secret_reference(value: Any) -> list[Any]:
    """The two branches of the !If that picks the secret's current or a named version."""
    condition, with_version, current = value["Fn::If"]
    assert condition == "HasOriginSecretVersion"
    return [with_version, current]


def test_origin_secret_is_generated_and_wired_into_both_places(template: dict[str, Any]) -> None:
    """One secret, referenced identically by CloudFront's origin header and the function's environment."""
    from lambda_verify.origin import HEADER

    secrets = resources_of_type(template, "AWS::SecretsManager::Secret")
    assert list(secrets) == ["OriginVerifySecret"]
    generated = secrets["OriginVerifySecret"]["Properties"]["GenerateSecretString"]
    assert generated["PasswordLength"] >= 32 and generated["ExcludePunctuation"] is True
    assert "SecretString" not in secrets["OriginVerifySecret"]["Properties"]  # never written in the template

    origin = next(o for o in distribution_config(template)["Origins"] if o["Id"] == "verify")
    (header,) = origin["OriginCustomHeaders"]
    assert header["HeaderName"].lower() == HEADER
    in_cloudfront = _origin_secret_reference(header["HeaderValue"])
    env = template["Resources"]["VerifyFunction"]["Properties"]["Environment"]["Variables"]
    in_function = _origin_secret_reference(env["ORIGIN_VERIFY_SECRET"])
    assert in_cloudfront == in_function
    assert in_function == [
        {"Fn::Sub": "{{resolve:secretsmanager:${OriginVerifySecret}:SecretString:::${OriginSecretVersion}}}"},
        {"Fn::Sub": "{{resolve:secretsmanager:${OriginVerifySecret}:SecretString}}"},
    ]
    assert template["Parameters"]["OriginSecretVersion"]["Default"] == ""


def test_pretty_urls_are_rewritten_to_index_html(template: dict[str, Any]) -> None:
    node = _venv_tool("node") or shutil.which("node")
    assert node, "node is missing (`make system-packages`): the CloudFront function is JavaScript"
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
    # Logs and the table, nothing else: the origin secret comes in the environment, not from Secrets Manager.
    services = {a.split(":")[0] for s in statements for a in s["Action"]}
    assert services == {"logs", "dynamodb"}


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
    assert DYNAMODB_STORE.is_file(), f"{DYNAMODB_STORE.relative_to(ROOT)} is missing: the role names its calls"
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
    makefile = TEMPLATE.parent / "function" / "Makefile"
    assert makefile.is_file(), f"{makefile.relative_to(ROOT)} is missing: sam builds the bundle with it"
    assert shutil.which("make"), "make is missing (`make system-packages`): sam builds the bundle with it"
    repo = tmp_path / "repo"
    (repo / "infra" / "function").mkdir(parents=True)
    shutil.copy(makefile, repo / "infra" / "function" / "Makefile")
    package = repo / "lambda_verify"
    (package / "__pycache__").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "handler.py").write_text("def handler(event, context):\n    return {'statusCode': 200}\n")
    (package / "__pycache__" / "handler.cpython-312.pyc").write_bytes(b"")
    (repo / "esurety" / "kernel").mkdir(parents=True)  # the kernel the function shares with the site
    (repo / "esurety" / "__init__.py").write_text("")
    (repo / "esurety" / "kernel" / "__init__.py").write_text("")
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
    assert (bundle / "esurety" / "kernel" / "__init__.py").is_file()
    assert not list(bundle.rglob("__pycache__"))
    loaded = subprocess.run(
        [sys.executable, "-c", "import lambda_verify.handler as h; print(h.handler({}, None)['statusCode'])"],
        cwd=bundle, capture_output=True, text=True, timeout=30,
    )
    assert loaded.stdout.strip() == "200", loaded.stderr


def test_real_bundle_imports_the_handler(tmp_path: Path) -> None:
    """The repository's own lambda_verify/, bundled as sam would, imports from the bundle root."""
    assert HANDLER_MODULE.is_file(), f"{HANDLER_MODULE.relative_to(ROOT)} is missing: the bundle has no handler"
    assert shutil.which("make"), "make is missing: sam builds the bundle with it"
    bundle = tmp_path / "bundle"
    result = subprocess.run(
        ["make", "--makefile", str(TEMPLATE.parent / "function" / "Makefile"), "build-VerifyFunction",
         f"ARTIFACTS_DIR={bundle}", "SKIP_DEPENDENCIES=1"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in bundle.iterdir()) == ["esurety", "lambda_verify"]
    assert sorted(p.name for p in (bundle / "esurety").iterdir()) == ["__init__.py", "kernel"]  # the kernel only
    loaded = subprocess.run(
        [sys.executable, "-I", "-c", "import sys; sys.path.insert(0, sys.argv[1]); import lambda_verify.handler as h; "
         "assert h.__file__.startswith(sys.argv[1]), h.__file__; print(callable(h.handler))", str(bundle)],
        cwd=bundle, capture_output=True, text=True, timeout=30,
    )
    assert loaded.stdout.strip() == "True", loaded.stderr


def test_lookup_page_sends_a_plain_post(template: dict[str, Any]) -> None:
    """Behind the HTTP API nothing checks a body hash: the page's request is the form's request."""
    assert LOOKUP_SCRIPT.is_file(), f"{LOOKUP_SCRIPT.relative_to(ROOT)} is missing: the lookup page posts with it"
    script = LOOKUP_SCRIPT.read_text(encoding="utf-8")
    assert "x-amz-content-sha256" not in script and "crypto.subtle" not in script
    assert not resources_of_type(template, "AWS::Lambda::Url")


def test_handler_named_in_the_template_exists(template: dict[str, Any]) -> None:
    module, function = template["Resources"]["VerifyFunction"]["Properties"]["Handler"].rsplit(".", 1)
    path = ROOT / (module.replace(".", "/") + ".py")
    assert path.is_file(), f"the template's handler module {module} ({path.relative_to(ROOT)}) is missing"
    # imported from the repository as Lambda imports it from the bundle: the named function is callable
    loaded = subprocess.run(
        [sys.executable, "-I", "-c", "import importlib, sys; sys.path.insert(0, sys.argv[1]); "
         "m = importlib.import_module(sys.argv[2]); f = getattr(m, sys.argv[3]); "
         "assert m.__file__.startswith(sys.argv[1]), m.__file__; print(callable(f))",
         str(ROOT), module, function],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert loaded.stdout.strip() == "True", loaded.stderr


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
    assert SECURITY_MODULE.is_file(), f"{SECURITY_MODULE.relative_to(ROOT)} is missing: it is the headers' one source"
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
