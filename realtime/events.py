"""Sending live events through the channel layer.

Events carry ids and counts, never text: a socket learns *that* something
happened, and the client fetches the content over HTTP, where visibility is
checked. So a private post never travels through a websocket.

Streams (channel-layer groups):

- ``user.<id>``: a person's notifications, new and recalled messages of their
  conversations (ids only), and control messages for their sockets;
- ``home.<id>``: new posts for a person's home timeline (fan-out recipients);
- ``group.<id>``: new posts of a group (and, for groups merged at read time,
  home viewers who belong to them);
- ``post.<id>``: like and comment counts of a post on screen.

Sending is best effort: the database is the source of truth, and a client that
missed an event catches up on reconnect (``resume``) or on its next page load.
A failing layer is logged, never raised into the change that caused the event.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

log = logging.getLogger(__name__)

# Events (forwarded to the client as they are) and the control message that drops
# a group stream (see LiveConsumer.deliver).
EVENT = "live.event"
REVOKE = "live.revoke"


def user_stream(user_id: int) -> str:
    return f"user.{user_id}"


def home_stream(user_id: int) -> str:
    return f"home.{user_id}"


def group_stream(group_id: int) -> str:
    return f"group.{group_id}"


def post_stream(post_id: int) -> str:
    return f"post.{post_id}"


def layer_message(event: dict, *, scope: str | None = None) -> dict:
    # Serialised once here, not once per socket: a broadcast to 1,000 sockets
    # would otherwise encode the same JSON 1,000 times on daphne's one core.
    # `scope`: what a token's socket needs to be handed it (messages:read for messages).
    message = {"type": EVENT, "text": json.dumps(event, ensure_ascii=False,
                                                 separators=(",", ":"))}
    if scope is not None:
        message["scope"] = scope
    return message


MESSAGES_SCOPE = "messages:read"


async def asend(messages: Iterable[tuple[str, dict]]) -> None:
    """Send (stream, layer message) pairs; from async code."""
    layer = get_channel_layer()
    if layer is None:
        return
    for stream, message in messages:
        # The stream goes along: each process's hub hands the event to its sockets on it.
        await layer.group_send(stream, {**message, "stream": stream})


def send(messages: Iterable[tuple[str, dict]]) -> None:
    """Send (stream, layer message) pairs; from sync code (views, tasks, on_commit)."""
    messages = list(messages)
    if not messages:
        return
    try:
        async_to_sync(asend)(messages)
    except Exception:  # the change is committed; a lost push is caught up on reconnect
        log.warning("live event not sent", exc_info=True)


# --- the events --------------------------------------------------------------------------


def notification_event(*, notification_id: int, kind: str, unread_count: int) -> dict:
    return {"type": "notification", "id": notification_id, "kind": kind,
            "unread_count": unread_count}


def unread_event(*, unread_count: int) -> dict:
    return {"type": "unread", "unread_count": unread_count}


def new_post_event(*, post_id: int, group_id: int | None) -> dict:
    return {"type": "new_post", "post_id": post_id, "group_id": group_id}


def counters_event(*, post_id: int, like_count: int, comment_count: int) -> dict:
    return {"type": "counters", "post_id": post_id, "like_count": like_count,
            "comment_count": comment_count}


def message_event(*, message_id: int, conversation_id: int, unread_count: int) -> dict:
    """A new message in one of the person's conversations (its text is fetched over HTTP);
    unread_count: their badge (unread messages of conversations not muted)."""
    return {"type": "message", "id": message_id, "conversation_id": conversation_id,
            "unread_count": unread_count}


def message_recalled_event(*, message_id: int, conversation_id: int) -> dict:
    return {"type": "message_recalled", "id": message_id, "conversation_id": conversation_id}


def messages_unread_event(*, unread_count: int) -> dict:
    return {"type": "messages_unread", "unread_count": unread_count}


def send_message_events(rows: Iterable[tuple[int, int, int, int]]) -> None:
    """rows: (recipient id, message id, conversation id, recipient's unread badge)."""
    send((user_stream(recipient_id), layer_message(message_event(
        message_id=pk, conversation_id=conversation_id, unread_count=unread),
        scope=MESSAGES_SCOPE))
        for recipient_id, pk, conversation_id, unread in rows)


def send_message_recalled(*, message_id: int, conversation_id: int,
                          user_ids: Iterable[int]) -> None:
    message = layer_message(message_recalled_event(message_id=message_id,
                                                   conversation_id=conversation_id),
                            scope=MESSAGES_SCOPE)
    send((user_stream(uid), message) for uid in user_ids)


def send_messages_unread(*, user_id: int, unread_count: int) -> None:
    send([(user_stream(user_id), layer_message(messages_unread_event(
        unread_count=unread_count), scope=MESSAGES_SCOPE))])


def send_notifications(rows: Iterable[tuple[int, int, str, int]]) -> None:
    """rows: (recipient id, notification id, kind, recipient's unread count)."""
    send((user_stream(recipient_id),
          layer_message(notification_event(notification_id=pk, kind=kind, unread_count=unread)))
         for recipient_id, pk, kind, unread in rows)


def send_unread(*, user_id: int, unread_count: int) -> None:
    """The person's unread count fell (read in one tab): every open tab's badge follows."""
    send([(user_stream(user_id), layer_message(unread_event(unread_count=unread_count)))])


def send_new_post(*, post_id: int, group_id: int | None, home_user_ids: Iterable[int]) -> None:
    message = layer_message(new_post_event(post_id=post_id, group_id=group_id))
    streams = [group_stream(group_id)] if group_id is not None else []
    streams += [home_stream(uid) for uid in home_user_ids]
    send((stream, message) for stream in streams)


def send_counters(*, post_id: int, like_count: int, comment_count: int) -> None:
    send([(post_stream(post_id), layer_message(counters_event(
        post_id=post_id, like_count=like_count, comment_count=comment_count)))])


def revoke_group(*, user_id: int, group_id: int) -> None:
    """Drop a person's sockets from a group's stream (they left or were removed).

    Membership cannot be checked per message cheaply, so it is checked when a
    socket subscribes, and the subscription is withdrawn when membership ends.
    """
    send([(user_stream(user_id), {"type": REVOKE, "group_id": group_id})])
