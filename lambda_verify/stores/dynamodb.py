"""The production store: one DynamoDB table (``CERTIFICATES_TABLE``) through boto3's low-level client.

Table layout (infra/template.yaml): partition key ``pk`` and sort key ``sk``, both strings; TTL on
``expires_at``. Items:

==========================================  =================  ==========================================
pk                                          sk                 attributes
==========================================  =================  ==========================================
``cert#<guarantee_number>``                 ``certificate``    key_hash, document (JSON), revision, demo,
                                                               loaded_at, first_viewed_at
``fail#client#<hash of address>``           ``window#<start>`` failures, expires_at (TTL)
``fail#number#<guarantee_number>``          ``window#<start>`` failures, expires_at (TTL)
==========================================  =================  ==========================================

A lookup reads all three of its items in one BatchGetItem (strongly consistent). A successful one
writes nothing more, except the very first for a certificate: one UpdateItem that sets
``first_viewed_at`` on condition that it does not exist yet (a lost race is not an error: the
answer then names the moment that was kept). A failed one adds one to each failure counter (one
atomic ADD each). Views are counted from the audit log, not here. The function needs
``dynamodb:BatchGetItem`` and ``dynamodb:UpdateItem`` on the table, nothing else; ``get``/``put``
(GetItem, PutItem, UpdateItem) are for the staff loader.

The endpoint is boto3's own business: ``AWS_ENDPOINT_URL_DYNAMODB`` (or ``AWS_ENDPOINT_URL``) points
it at a local server. Timeouts are short and retries few: a lookup that cannot finish in a couple of
seconds answers 503 with Retry-After rather than keeping the person waiting.
"""

from __future__ import annotations

import logging
import os
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from ..limits import Windows
from .base import FirstView, Snapshot, StoreConflict, StoredCertificate, StoreUnavailable

logger = logging.getLogger(__name__)

__all__ = ["CLIENT_CONFIG", "DynamoDbStore", "TTL_ATTRIBUTE", "create_table", "make_client"]

TTL_ATTRIBUTE = "expires_at"
CERT_SK = "certificate"
CLIENT_CONFIG = Config(
    connect_timeout=1.0,
    read_timeout=2.0,
    retries={"mode": "standard", "total_max_attempts": 2},
    tcp_keepalive=True,
)
DEFAULT_REGION = "ap-northeast-1"


def make_client(region: str | None = None) -> Any:
    """A DynamoDB client with the lookup's timeouts; the region falls back to Tokyo."""
    region = region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION
    return boto3.client("dynamodb", region_name=region, config=CLIENT_CONFIG)


def create_table(client: Any, table: str) -> None:
    """Create the table as infra/template.yaml defines it (local endpoints, tests, benchmarks)."""
    client.create_table(
        TableName=table,
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "sk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        BillingMode="PAY_PER_REQUEST",
    )
    client.get_waiter("table_exists").wait(TableName=table, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    client.update_time_to_live(TableName=table,
                               TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE})


def _cert_key(number: str) -> dict[str, dict[str, str]]:
    return {"pk": {"S": f"cert#{number}"}, "sk": {"S": CERT_SK}}


def _counter_key(scope: str, subject: str, window_start: int) -> dict[str, dict[str, str]]:
    return {"pk": {"S": f"fail#{scope}#{subject}"}, "sk": {"S": f"window#{window_start}"}}


def _s(item: dict[str, Any], name: str) -> str | None:
    value = item.get(name)
    return value["S"] if value else None


def _n(item: dict[str, Any], name: str) -> int:
    value = item.get(name)
    return int(value["N"]) if value else 0


def _item_to_certificate(item: dict[str, Any]) -> StoredCertificate:
    return StoredCertificate(
        guarantee_number=item["pk"]["S"].split("#", 1)[1],
        key_hash=item["key_hash"]["S"],
        document=item["document"]["S"],
        revision=item["revision"]["S"],
        demo=bool(item.get("demo", {}).get("BOOL", False)),
        loaded_at=_s(item, "loaded_at"),
        first_viewed_at=_s(item, "first_viewed_at"),
    )


def _unavailable(what: str, exc: Exception) -> StoreUnavailable:
    code = exc.response.get("Error", {}).get("Code", "") if isinstance(exc, ClientError) else type(exc).__name__
    log = logger.error if code in ("ResourceNotFoundException", "AccessDeniedException") else logger.warning
    log("dynamodb %s failed: %s", what, code)
    return StoreUnavailable(f"dynamodb: {code}")


def _code(exc: ClientError) -> str:
    return exc.response.get("Error", {}).get("Code", "")


class DynamoDbStore:
    """Certificates and failure counters in one DynamoDB table."""

    name = "dynamodb"

    def __init__(self, table: str, *, client: Any | None = None):
        self.table = table
        self.client = client if client is not None else make_client()

    def close(self) -> None:
        self.client.close()

    # ------------------------------------------------------------------ lookup

    def read(self, guarantee_number: str, client_subject: str, windows: Windows, now: float) -> Snapshot:
        cert_key = _cert_key(guarantee_number)
        client_key = _counter_key("client", client_subject, windows.client.start)
        number_key = _counter_key("number", guarantee_number, windows.number.start)
        request = {self.table: {"Keys": [cert_key, client_key, number_key], "ConsistentRead": True}}
        items: list[dict[str, Any]] = []
        try:
            for _attempt in range(2):
                answer = self.client.batch_get_item(RequestItems=request)
                items.extend(answer.get("Responses", {}).get(self.table, []))
                request = answer.get("UnprocessedKeys") or {}
                if not request:
                    break
            else:
                raise StoreUnavailable("dynamodb: keys left unprocessed (throttled)")
        except (ClientError, BotoCoreError) as exc:
            raise _unavailable("read", exc) from exc
        certificate = None
        client_failures = number_failures = 0
        for item in items:
            pk = item["pk"]["S"]
            if pk == cert_key["pk"]["S"]:
                certificate = _item_to_certificate(item)
            elif pk == client_key["pk"]["S"] and windows.client.live(_n(item, TTL_ATTRIBUTE), now):
                client_failures = _n(item, "failures")
            elif pk == number_key["pk"]["S"] and windows.number.live(_n(item, TTL_ATTRIBUTE), now):
                number_failures = _n(item, "failures")
        return Snapshot(certificate, client_failures, number_failures)

    def record_first_view(self, guarantee_number: str, at: str) -> FirstView:
        """One conditional UpdateItem: set first_viewed_at unless it exists (then keep and return it)."""
        try:
            self.client.update_item(
                TableName=self.table,
                Key=_cert_key(guarantee_number),
                UpdateExpression="SET first_viewed_at = :at",
                ConditionExpression="attribute_exists(pk) AND attribute_not_exists(first_viewed_at)",
                ExpressionAttributeValues={":at": {"S": at}},
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as exc:
            if _code(exc) != "ConditionalCheckFailedException":
                raise _unavailable("record_first_view", exc) from exc
            # Another lookup was first (or the certificate is gone): the old item says which.
            kept = _s(exc.response.get("Item") or {}, "first_viewed_at")
            if kept is None:
                raise StoreUnavailable("dynamodb: certificate disappeared during the lookup") from exc
            return FirstView(kept, recorded_now=False)
        except BotoCoreError as exc:
            raise _unavailable("record_first_view", exc) from exc
        return FirstView(at, recorded_now=True)

    def record_failure(self, guarantee_number: str, client_subject: str, windows: Windows, now: float) -> None:
        counters = (
            (_counter_key("client", client_subject, windows.client.start), windows.client.end),
            (_counter_key("number", guarantee_number, windows.number.start), windows.number.end),
        )
        try:
            for key, expires_at in counters:
                self.client.update_item(
                    TableName=self.table,
                    Key=key,
                    UpdateExpression="ADD failures :one SET #exp = :exp",
                    ExpressionAttributeNames={"#exp": TTL_ATTRIBUTE},
                    ExpressionAttributeValues={":one": {"N": "1"}, ":exp": {"N": str(expires_at)}},
                )
        except (ClientError, BotoCoreError) as exc:
            raise _unavailable("record_failure", exc) from exc

    # ------------------------------------------------------------------ staff tools

    def get(self, guarantee_number: str) -> StoredCertificate | None:
        try:
            answer = self.client.get_item(TableName=self.table, Key=_cert_key(guarantee_number), ConsistentRead=True)
        except (ClientError, BotoCoreError) as exc:
            raise _unavailable("get", exc) from exc
        item = answer.get("Item")
        return _item_to_certificate(item) if item else None

    def put(self, certificate: StoredCertificate, *, expected_revision: str | None) -> None:
        c = certificate
        values = {
            ":key_hash": {"S": c.key_hash},
            ":document": {"S": c.document},
            ":revision": {"S": c.revision},
            ":demo": {"BOOL": c.demo},
            ":loaded_at": {"S": c.loaded_at or ""},
        }
        try:
            if expected_revision is None:
                self.client.put_item(
                    TableName=self.table,
                    Item={**_cert_key(c.guarantee_number), **{k[1:]: v for k, v in values.items()}},
                    ConditionExpression="attribute_not_exists(pk)",
                )
            else:
                self.client.update_item(
                    TableName=self.table,
                    Key=_cert_key(c.guarantee_number),
                    UpdateExpression="SET key_hash = :key_hash, #doc = :document, revision = :revision, "
                                     "demo = :demo, loaded_at = :loaded_at",
                    ConditionExpression="revision = :expected",
                    ExpressionAttributeNames={"#doc": "document"},
                    ExpressionAttributeValues={**values, ":expected": {"S": expected_revision}},
                )
        except ClientError as exc:
            if _code(exc) == "ConditionalCheckFailedException":
                raise StoreConflict(f"{c.guarantee_number} changed since it was read") from exc
            raise _unavailable("put", exc) from exc
        except BotoCoreError as exc:
            raise _unavailable("put", exc) from exc
