"""The worker's side of webhooks: fan an event out, make one delivery attempt.

Both are idempotent (see services): a fan-out run twice creates each delivery
once, and an attempt already made is not made again.
"""

from django_tasks import task

from openapi_plugins.webhooks import services


@task()
def fan_out_event(*, event: str, event_id: str, object_ref, payloads: dict[str, dict]) -> int:
    return services.fan_out(event=event, event_id=event_id, object_ref=object_ref,
                            payloads=payloads)


@task()
def deliver(*, delivery_id: int, attempt: int) -> str:
    return services.attempt_delivery(delivery_id=delivery_id, attempt=attempt)
