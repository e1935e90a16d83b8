"""Idempotency keys for mutations: a client that sends `Idempotency-Key: <key>` with a
mutation and retries it (its first try committed but the answer was lost) gets the
first answer back instead of a second write. Keyed by (actor, key); the same key with
another operation or other variables is a CONFLICT. Answers are kept 24 hours."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from graphql import ExecutionResult, GraphQLError

from yiban_core.accounts.models import IdempotentResponse
from yiban_core.actor import Actor
from yiban_core.nul import contains_unstorable

HEADER = "Idempotency-Key"
KEEP = timedelta(hours=24)
MAX_KEY_LENGTH = 200


def _error(code: str, message: str) -> ExecutionResult:
    return ExecutionResult(data=None, errors=[GraphQLError(
        message, extensions={"code": code, "field": None})])


def identity(actor: Actor) -> str | None:
    """Whose keys these are: an app acting for a user or school, or a web session user."""
    if actor.app_id is not None:
        whom = f"user{actor.user_id}" if actor.user_id else f"school{actor.school.pk}"
        return f"app{actor.app_id}:{whom}"
    return f"user{actor.user_id}" if actor.user_id else None


def fingerprint(query: str, variables, operation_name) -> str:
    text = json.dumps([query, variables, operation_name], sort_keys=True, ensure_ascii=False,
                      default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def check_key(key: str) -> ExecutionResult | None:
    if not key or len(key) > MAX_KEY_LENGTH or contains_unstorable([key]) or not key.isprintable():
        return _error("INVALID", _("Idempotency-Key 须是 1 到 200 个可打印字符"))
    return None


def run_once(*, actor_id: str, key: str, operation_name, request_hash: str,
             execute) -> ExecutionResult:
    """execute() in one transaction with the record of its answer; a retry with the
    same key gets that answer."""
    with transaction.atomic():
        IdempotentResponse.objects.filter(actor=actor_id, key=key,
                                          created_at__lt=timezone.now() - KEEP).delete()
        prior = IdempotentResponse.objects.filter(actor=actor_id, key=key).first()
        if prior is not None:
            if prior.request_hash != request_hash:
                return _error("CONFLICT", _("这个 Idempotency-Key 已用于另一个请求"))
            return ExecutionResult(data=prior.response)
        result, failed = execute()
        if failed or result.errors:  # nothing is stored, nothing committed: a retry runs anew
            transaction.set_rollback(True)
            return result
        try:
            with transaction.atomic():
                IdempotentResponse.objects.create(
                    actor=actor_id, key=key, operation=(operation_name or "")[:100],
                    request_hash=request_hash, response=result.data)
        except IntegrityError:  # the same key, sent again while the first was running
            transaction.set_rollback(True)
            return _error("CONFLICT", _("同一 Idempotency-Key 的请求正在处理，请稍后重试"))
        return result
