"""The production store: one DynamoDB table (``CERTIFICATES_TABLE``) through boto3's low-level client.

Table layout (infra/template.yaml): partition key ``pk`` and sort key ``sk``, both strings; TTL on
``expires_at``. Items:

==========================================  =================  ==========================================
pk                                          sk                 attributes
==========================================  =================  ==========================================
``cert#<guarantee_number>``                 ``certificate``    key_hash, document (JSON), revision, demo,
                                                               loaded_at, first_viewed_at
``slots#client#<hash of address>``          ``slots``          s0 … s9 (attempt stamps), expires_at (TTL)
``slots#number#<guarantee_number>``         ``slots``          s0 … s9 (attempt stamps), expires_at (TTL)
``loader#…``                                (the loader)       lock, runs and pending notices (esurety.loader)
==========================================  =================  ==========================================

A lookup reads all three of its items in one BatchGetItem (strongly consistent, the document left
out), then counts the attempt before the key is compared: one conditional UpdateItem that takes a
free slot of the client and one of the number (limits.py). A wrong key stops there (2 writes); a
right key gives both slots back (2 conditional REMOVEs), reads the document (GetItem) and, the very
first time, sets ``first_viewed_at`` on condition that it does not exist yet. Views are counted from
the audit log, not here. The function needs
``dynamodb:BatchGetItem``, ``dynamodb:GetItem`` and ``dynamodb:UpdateItem`` on the table, nothing else; ``get``/``put``
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

from ..limits import Claim, Gate, Limit, Limits, Slots, decide, make_stamp, shuffled, stamp_cutoff
from .base import FirstView, Snapshot, StoreConflict, StoreCorrupt, StoredCertificate, StoreUnavailable

logger = logging.getLogger(__name__)

__all__ = ["CLIENT_CONFIG", "TTL_ATTRIBUTE", "DynamoDbStore", "create_table", "make_client"]

TTL_ATTRIBUTE = "expires_at"
CERT_SK = "certificate"
SLOTS_SK = "slots"
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


def _slots_key(scope: str, subject: str) -> dict[str, dict[str, str]]:
    return {"pk": {"S": f"slots#{scope}#{subject}"}, "sk": {"S": SLOTS_SK}}


#: Certificate attributes the lookup's read projects (never the document), then the slot attributes.
_CERT_PROJECTION = ("pk", "sk", "key_hash", "revision", "demo", "loaded_at", "first_viewed_at")


def _projected(slot_count: int) -> tuple[str, ...]:
    return _CERT_PROJECTION + tuple(f"s{i}" for i in range(slot_count))


def _item_slots(item: dict[str, Any], size: int) -> Slots:
    pairs = []
    for i in range(size):
        value = item.get(f"s{i}")
        if value and "N" in value:
            try:
                pairs.append((i, int(value["N"])))
            except ValueError as exc:
                raise StoreCorrupt(f"dynamodb: slot s{i} is not a number") from exc
    return Slots.of(pairs, size)


def _s(item: dict[str, Any], name: str) -> str | None:
    value = item.get(name)
    return value["S"] if value else None


def _item_to_certificate(item: dict[str, Any], *, with_document: bool = True) -> StoredCertificate:
    """The certificate in ``item``; a broken item (a loader bug, a hand edit) raises StoreCorrupt."""
    try:
        return StoredCertificate(
            guarantee_number=item["pk"]["S"].split("#", 1)[1],
            key_hash=item["key_hash"]["S"],
            document=item["document"]["S"] if with_document else None,
            revision=item["revision"]["S"],
            demo=bool(item.get("demo", {}).get("BOOL", False)),
            loaded_at=_s(item, "loaded_at"),
            first_viewed_at=_s(item, "first_viewed_at"),
        )
    except (KeyError, TypeError, AttributeError, IndexError) as exc:
        logger.error("dynamodb: broken certificate item %s", (item.get("pk") or {}).get("S"))
        raise StoreCorrupt("dynamodb: broken certificate item") from exc


def _unavailable(what: str, exc: Exception) -> StoreUnavailable:
    code = exc.response.get("Error", {}).get("Code", "") if isinstance(exc, ClientError) else type(exc).__name__
    log = logger.error if code in ("ResourceNotFoundException", "AccessDeniedException") else logger.warning
    log("dynamodb %s failed: %s", what, code)
    return StoreUnavailable(f"dynamodb: {code}")


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


class DynamoDbStore:
    """Certificates, attempt slots and the loader's lock and runs in one DynamoDB table."""

    name = "dynamodb"

    def __init__(self, table: str, *, client: Any | None = None):
        self.table = table
        self.client = client if client is not None else make_client()

    def close(self) -> None:
        self.client.close()

    # ------------------------------------------------------------------ lookup

    def read(self, guarantee_number: str, client_subject: str, limits: Limits, now: float) -> Snapshot:
        """One strongly consistent BatchGetItem: the certificate without its document, and both slot items.

        The document is left out (a projection), so a known number and an unknown one cost the same
        read but for a fixed-size item of about 200 bytes; ``get`` fetches the document after a match.
        """
        cert_key = _cert_key(guarantee_number)
        client_key = _slots_key("client", client_subject)
        number_key = _slots_key("number", guarantee_number)
        names = {f"#a{i}": name for i, name in enumerate(_projected(limits.slot_count))}
        request = {self.table: {"Keys": [cert_key, client_key, number_key], "ConsistentRead": True,
                                "ProjectionExpression": ", ".join(names), "ExpressionAttributeNames": names}}
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
        client = number = Slots()
        size = limits.slot_count
        for item in items:
            pk = item.get("pk", {}).get("S")
            if pk == cert_key["pk"]["S"]:
                certificate = _item_to_certificate(item, with_document=False)
            elif pk == client_key["pk"]["S"]:
                client = _item_slots(item, size)
            elif pk == number_key["pk"]["S"]:
                number = _item_slots(item, size)
        return Snapshot(certificate, client, number)

    def _slots_now(self, key: dict[str, Any], size: int) -> Slots:
        try:
            answer = self.client.get_item(TableName=self.table, Key=key, ConsistentRead=True)
        except (ClientError, BotoCoreError) as exc:
            raise _unavailable("claim", exc) from exc
        return _item_slots(answer.get("Item") or {}, size)

    def _take(self, key: dict[str, Any], slot: int, stamp: int, cutoff: int, expires_at: int,
              clean_of: int | None = None) -> bool:
        """One conditional UpdateItem: take ``slot`` if it is free (and, for ``clean_of``, all slots are)."""
        names = {"#s": f"s{slot}", "#exp": TTL_ATTRIBUTE}
        if clean_of is None:
            condition = "attribute_not_exists(#s) OR #s < :cut"
        else:
            parts = []
            for i in range(clean_of):
                names[f"#c{i}"] = f"s{i}"
                parts.append(f"(attribute_not_exists(#c{i}) OR #c{i} < :cut)")
            condition = " AND ".join(parts)
        try:
            self.client.update_item(
                TableName=self.table, Key=key,
                UpdateExpression="SET #s = :stamp, #exp = :exp",
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues={":stamp": {"N": str(stamp)}, ":cut": {"N": str(cutoff)},
                                           ":exp": {"N": str(expires_at)}},
            )
        except ClientError as exc:
            if _code(exc) == "ConditionalCheckFailedException":
                return False
            raise _unavailable("claim", exc) from exc
        except BotoCoreError as exc:
            raise _unavailable("claim", exc) from exc
        return True

    def _take_any(self, key: dict[str, Any], limit: Limit, seen: Slots, stamp: int, now: float,
                  size: int) -> int | None:
        """A free slot of ``key``, trying the free ones seen in random order; None when all are taken."""
        cutoff = stamp_cutoff(now, limit.window_seconds)
        expires_at = int(now) + limit.window_seconds + 1
        slots = seen
        for _round in range(3):
            free = slots.free(limit, now)
            if not free:
                return None
            for slot in shuffled(free):
                if self._take(key, slot, stamp, cutoff, expires_at):
                    return slot
            slots = self._slots_now(key, size)
        # Still contended after three rounds: fail closed rather than evaluate an uncounted attempt.
        raise StoreUnavailable("dynamodb: attempt slots too contended")

    def claim(self, guarantee_number: str, client_subject: str, limits: Limits, now: float,
              seen: Snapshot | None = None) -> Claim:
        """Count the attempt before the key is compared (limits.py): conditional writes, one per slot."""
        size = limits.slot_count
        client_key = _slots_key("client", client_subject)
        number_key = _slots_key("number", guarantee_number)
        if seen is None:
            seen = Snapshot(None, self._slots_now(client_key, size), self._slots_now(number_key, size))
        stamp = make_stamp(now)
        decision = decide(seen.client, seen.number, limits, now)
        if decision.gate is Gate.BLOCKED:
            return Claim.blocked(decision.retry_after)
        if decision.gate is Gate.OPEN:
            client_slot = self._take_any(client_key, limits.client, seen.client, stamp, now, size)
            if client_slot is None:
                client = self._slots_now(client_key, size)
                return Claim.blocked(client.retry_after(limits.client, now))
            number_slot = self._take_any(number_key, limits.number, seen.number, stamp, now, size)
            if number_slot is not None:
                return Claim(Gate.OPEN, None, stamp, client_slot, number_slot)
            # The number filled up meanwhile: give the client slot back and go the last-chance way.
            self._give_back(client_key, client_slot, stamp)
            seen = Snapshot(None, self._slots_now(client_key, size), self._slots_now(number_key, size))
            decision = decide(seen.client, seen.number, limits, now)
            if decision.gate is not Gate.LAST_CHANCE:
                return Claim.blocked(decision.retry_after)
        # LAST_CHANCE: one attempt for a client with a clean record, claimed on condition that it still is.
        cutoff = stamp_cutoff(now, limits.client.window_seconds)
        if self._take(client_key, 0, stamp, cutoff, int(now) + limits.client.window_seconds + 1,
                      clean_of=limits.client.max_attempts):
            return Claim(Gate.LAST_CHANCE, decision.retry_after, stamp, 0, None)
        return Claim.blocked(decision.retry_after)

    def _give_back(self, key: dict[str, Any], slot: int, stamp: int) -> None:
        try:
            self.client.update_item(
                TableName=self.table, Key=key, UpdateExpression="REMOVE #s", ConditionExpression="#s = :stamp",
                ExpressionAttributeNames={"#s": f"s{slot}"}, ExpressionAttributeValues={":stamp": {"N": str(stamp)}},
            )
        except ClientError as exc:
            if _code(exc) != "ConditionalCheckFailedException":
                logger.warning("dynamodb release failed: %s (the attempt stays counted)", _code(exc))
        except BotoCoreError as exc:
            logger.warning("dynamodb release failed: %s (the attempt stays counted)", type(exc).__name__)

    def release(self, guarantee_number: str, client_subject: str, claim: Claim) -> None:
        if claim.stamp is None:
            return
        if claim.client_slot is not None:
            self._give_back(_slots_key("client", client_subject), claim.client_slot, claim.stamp)
        if claim.number_slot is not None:
            self._give_back(_slots_key("number", guarantee_number), claim.number_slot, claim.stamp)

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
