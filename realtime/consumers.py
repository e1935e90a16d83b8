"""The live socket, /ws/live/: notifications, new posts and counters.

Protocol (JSON text frames). Client to server:

- {"type": "subscribe", "stream": "home"}: new posts for the home timeline;
- {"type": "subscribe", "stream": "group", "id": <group pk>}: new posts of a group
  (a private group only for its members); home and group need `feed:read` of a token;
- {"type": "subscribe", "stream": "posts", "ids": [...]}: counters of the posts on
  screen (at most 100; replaces the previous list; posts the user cannot see are
  left out of the answer);
- {"type": "unsubscribe", "stream": "home" | "group", "id": ...};
- {"type": "resume", "after_notification": <id>}: every stored notification newer
  than that id (at most 100, oldest first), then live ones;
- {"type": "resume", "after_message": <id>}: the messages to the person newer than
  that id (at most 100, oldest first, ids only: a `message` event each; needs
  messages:read of a token), then live ones;
- {"type": "ping"}.

Server to client: {"type": "hello", "user_id", "unread_count", "last_notification_id"}
after connecting (a client that reconnects sends resume with the last id it saw);
{"type": "subscribed", "stream", ...}; {"type": "notification", "id", "kind",
"unread_count"}; {"type": "unread", "unread_count"} (notifications were read, e.g. in
another tab); {"type": "message", "id", "conversation_id", "unread_count"} (a new
message; its text is fetched over HTTP); {"type": "message_recalled", "id",
"conversation_id"}; {"type": "messages_unread", "unread_count"} (messages were read in
another tab); {"type": "new_post", "post_id", "group_id"}; {"type": "counters",
"post_id", "like_count", "comment_count"}; {"type": "pong"}; {"type": "error",
"code": "INVALID" | "PERMISSION_DENIED" | "NOT_FOUND", "message"} (the socket
stays open).

Close codes: 4401 not authenticated (sent right after accept, so the client sees
it), 4403 token without the notifications:read scope, 4009 message too big,
4429 too many messages or too many connections of the user (see realtime.limits).

Events reach a socket through the process's hub (realtime.hub), not through a
layer channel of its own: the consumer has no channel layer.

Channels closes stale database connections (a thread hop) before every message
a consumer handles, and needs no database for most of them. So dispatch() here
skips it: the handlers that use the database go through database_sync_to_async,
which closes stale connections around its own call.
"""

from __future__ import annotations

import json

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.utils.translation import gettext as _

from realtime import events, limits
from realtime.auth import authenticate
from realtime.hub import get_hub
from yiban_core import metrics
from yiban_core.actor import Actor
from yiban_core.ids import parse_id

MAX_POST_IDS = 100
MAX_RESUME = 100


class Refused(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def _int(value, field: str) -> int:
    """An id in a frame: a JSON integer that fits the database's bigint (yiban_core.ids)."""
    number = parse_id(value) if isinstance(value, int) else None
    if number is None:
        raise Refused("INVALID", _("%(field)s 必须是正整数") % {"field": field})
    return number


# --- database work, each in one database_sync_to_async call --------------------------------


@database_sync_to_async
def _hello(actor: Actor) -> dict:
    from yiban_core.notifications.selectors import notifications_for, unread_count

    newest = notifications_for(actor=actor).order_by("-pk").values_list("pk", flat=True).first()
    return {"type": "hello", "user_id": actor.user_id, "unread_count": unread_count(actor=actor),
            "last_notification_id": newest or 0}


@database_sync_to_async
def _missed_messages(actor: Actor, after: int) -> list[dict]:
    from messages.selectors import missed_messages, unread_total

    rows = missed_messages(actor=actor, after=after, limit=MAX_RESUME)
    unread = unread_total(actor=actor) if rows else 0
    return [events.message_event(message_id=m.pk, conversation_id=m.conversation_id,
                                 unread_count=unread) for m in rows]


@database_sync_to_async
def _home_group_ids(actor: Actor) -> list[int]:
    """Groups whose posts the home timeline merges at read time (big groups, the school's
    official channel): their posts are announced on group.<id>, not per person."""
    from feeds.selectors import home_groups_merged_at_read_time

    return home_groups_merged_at_read_time(actor.user)


@database_sync_to_async
def _check_group(actor: Actor, group_id: int) -> None:
    from yiban_core.groups.models import Group
    from yiban_core.groups.rules import can_see_content

    group = Group.objects.filter(pk=group_id).first()
    if group is None:
        raise Refused("NOT_FOUND", _("群不存在"))
    if not can_see_content(actor, group):
        raise Refused("PERMISSION_DENIED", _("这是私密群，只有成员可以查看"))


@database_sync_to_async
def _visible_posts(actor: Actor, ids: list[int]) -> set[int]:
    from feeds.selectors import visible_post_ids

    return visible_post_ids(actor=actor, ids=ids)


@database_sync_to_async
def _missed_notifications(actor: Actor, after: int) -> list[dict]:
    from yiban_core.notifications.rules import live_push_held
    from yiban_core.notifications.selectors import notifications_for, unread_count

    if live_push_held(actor.user):  # a minor's quiet hours: caught up after them
        return []
    rows = list(notifications_for(actor=actor).filter(pk__gt=after).order_by("pk")
                .values_list("pk", "kind")[:MAX_RESUME])
    unread = unread_count(actor=actor) if rows else 0
    return [events.notification_event(notification_id=pk, kind=kind, unread_count=unread)
            for pk, kind in rows]


class LiveConsumer(AsyncJsonWebsocketConsumer):
    channel_layer_alias = None  # no layer channel per socket: the hub delivers
    actor: Actor | None = None
    slot: str | None = None
    streams: set[str] = frozenset()
    counted = False  # in the open-connections gauge

    async def dispatch(self, message):
        # As AsyncConsumer.dispatch, without aclose_old_connections() (see the module doc).
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    # --- connection -----------------------------------------------------------------------

    async def connect(self):
        self.streams = set()
        self.group_ids: set[int] = set()
        self.post_ids: set[int] = set()
        self.rate = limits.InboundRate()
        await self.accept()
        metrics.WEBSOCKETS.inc()
        self.counted = True
        actor, close_code = await authenticate(self.scope)
        if actor is None:
            await self.close(code=close_code)
            return
        self.slot = await limits.acquire_connection(actor.user_id)
        if self.slot is None:
            await self.close(code=limits.CLOSE_RATE_LIMITED)
            return
        self.actor = actor
        await self._join(events.user_stream(actor.user_id))
        await self.send_json(await _hello(actor))

    async def disconnect(self, code):
        if self.counted:
            metrics.WEBSOCKETS.dec()
            self.counted = False
        hub = get_hub()
        for stream in list(self.streams):
            await hub.leave(stream, self)
        await limits.release_connection(self.slot)
        self.slot = None

    async def _join(self, stream: str) -> None:
        if stream not in self.streams:
            self.streams.add(stream)
            await get_hub().join(stream, self)

    async def _leave(self, stream: str) -> None:
        if stream in self.streams:
            self.streams.discard(stream)
            await get_hub().leave(stream, self)

    # --- inbound --------------------------------------------------------------------------

    async def websocket_receive(self, message):
        if self.actor is None:  # closing already
            return
        text, data = message.get("text"), message.get("bytes")
        if limits.too_big(text, data):
            await self.close(code=limits.CLOSE_TOO_BIG)
            return
        if not self.rate.allow():
            await self.close(code=limits.CLOSE_RATE_LIMITED)
            return
        if text is None:
            await self._error("INVALID", _("只接受 JSON 文本消息"))
            return
        try:
            content = json.loads(text)
        except ValueError:
            await self._error("INVALID", _("消息不是有效的 JSON"))
            return
        await self.receive_json(content)

    async def receive_json(self, content, **kwargs):
        kind = content.get("type") if isinstance(content, dict) else None
        handler = {
            "subscribe": self._subscribe,
            "unsubscribe": self._unsubscribe,
            "resume": self._resume,
            "ping": self._ping,
        }.get(kind)
        if handler is None:
            await self._error("INVALID", _("未知的消息类型"))
            return
        try:
            await handler(content)
        except Refused as refused:
            await self._error(refused.code, refused.message)

    async def _error(self, code: str, message: str) -> None:
        await self.send_json({"type": "error", "code": code, "message": message})

    async def _ping(self, content) -> None:
        await self.send_json({"type": "pong"})

    def _require_feed(self) -> None:
        # The home and group streams announce new posts: feed content, so a token needs
        # feed:read for them as for the posts themselves.
        if not self.actor.has_scope("feed:read"):
            raise Refused("PERMISSION_DENIED",
                          _("此令牌缺少权限范围 %(scope)s") % {"scope": "feed:read"})

    async def _subscribe(self, content) -> None:
        stream = content.get("stream")
        if stream in ("home", "group"):
            self._require_feed()
        if stream == "home":
            await self._join(events.home_stream(self.actor.user_id))
            for group_id in await _home_group_ids(self.actor):
                await self._join(events.group_stream(group_id))
            await self.send_json({"type": "subscribed", "stream": "home"})
        elif stream == "group":
            group_id = _int(content.get("id"), "id")
            await _check_group(self.actor, group_id)
            self.group_ids.add(group_id)
            await self._join(events.group_stream(group_id))
            await self.send_json({"type": "subscribed", "stream": "group", "id": group_id})
        elif stream == "posts":
            ids = content.get("ids")
            if not isinstance(ids, list) or len(ids) > MAX_POST_IDS:
                raise Refused("INVALID", _("ids 必须是最多 100 个动态编号的列表"))
            ids = sorted({_int(i, "ids") for i in ids})
            visible = await _visible_posts(self.actor, ids) if ids else set()
            for post_id in self.post_ids - visible:
                await self._leave(events.post_stream(post_id))
            for post_id in visible - self.post_ids:
                await self._join(events.post_stream(post_id))
            self.post_ids = visible
            await self.send_json({"type": "subscribed", "stream": "posts",
                                  "ids": sorted(visible)})
        else:
            raise Refused("INVALID", _("未知的订阅"))

    async def _unsubscribe(self, content) -> None:
        stream = content.get("stream")
        if stream == "home":
            await self._leave(events.home_stream(self.actor.user_id))
        elif stream == "group":
            group_id = _int(content.get("id"), "id")
            self.group_ids.discard(group_id)
            await self._leave(events.group_stream(group_id))
        else:
            raise Refused("INVALID", _("未知的订阅"))
        await self.send_json({"type": "unsubscribed", "stream": stream})

    async def _resume(self, content) -> None:
        if "after_message" in content:
            after = content.get("after_message")
            if after != 0:
                after = _int(after, "after_message")
            if not self.actor.has_scope("messages:read"):
                raise Refused("PERMISSION_DENIED",
                              _("此令牌缺少权限范围 %(scope)s") % {"scope": "messages:read"})
            for event in await _missed_messages(self.actor, after):
                await self.send_json(event)
            if "after_notification" not in content:
                return
        after = content.get("after_notification")
        if after != 0:
            after = _int(after, "after_notification")
        for event in await _missed_notifications(self.actor, after):
            await self.send_json(event)

    # --- from the hub (no database here) -----------------------------------------------------

    async def deliver(self, message):
        if message["type"] == events.EVENT:
            scope = message.get("scope")
            if scope is not None and (self.actor is None or not self.actor.has_scope(scope)):
                return  # a token without messages:read is not told of messages
            await self.base_send({"type": "websocket.send", "text": message["text"]})
        elif message["type"] == events.REVOKE:
            # The user left or was removed from a group: stop its stream on this socket.
            group_id = message["group_id"]
            self.group_ids.discard(group_id)
            await self._leave(events.group_stream(group_id))
