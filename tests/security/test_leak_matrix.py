"""The leak matrix: every kind of private thing x every door x every outsider.

Three tables: KINDS (what is private, how it is made, which doors show it to
whom, in one place), DOORS (how a viewer looks through a door, and whether the
thing showed) and OUTSIDERS (who must not see it). Each cell asserts that the
outsider does not see the thing; beside each (kind, door) a control cell asserts
that an insider (a member, the author, the recipient) does see it through the
same door, so a door that looks in the wrong place fails its control.

A new kind, door or outsider is one row. The world is built once for the module
(tests/security/leak_world.py) inside a transaction that is rolled back at the
end; every cell runs in a savepoint of its own.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from unittest import mock

import pytest
from asgiref.sync import async_to_sync
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from django.db import transaction
from django.test import Client, override_settings
from django.utils import timezone
from oauth2_provider.models import AccessToken
from oauthlib.common import Request as OAuthRequest

from feeds import timeline_store
from feeds.models import PostImage
from feeds.timeline_rebuild import rebuild_home_timeline
from openapi_plugins.oauth import PlatformValidator
from openapi_plugins.webhooks import services as webhooks
from openapi_plugins.webhooks.models import Delivery
from realtime.consumers import LiveConsumer
from resources.models import Resource
from tests.openapi.helpers import mint_token
from tests.security import leak_world
from tests.security.leak_world import USER_SCOPES, Thing, World
from yiban_core import redis as accelerator
from yiban_core.credits.boards import rebuild_all
from yiban_core.graphql.relay import global_id
from yiban_core.groups.models import Group, Membership

# --- viewers -------------------------------------------------------------------------------


@dataclass
class Viewer:
    """Someone looking: a web session user, a bearer token (a user's or a school app's), or
    nobody. A token is sent on every request, pages included (where it must count for
    nothing), and no session cookie goes with it."""

    user: object = None
    token: str | None = None
    app: object = None  # a school app: receives webhooks
    _client: Client | None = None

    def client(self) -> Client:
        if self._client is None:
            self._client = Client(raise_request_exception=False)
            if self.token is None and self.user is not None:
                self._client.force_login(self.user)
        return self._client

    def headers(self) -> dict:
        return {"authorization": f"Bearer {self.token}"} if self.token else {}

    def get(self, path: str):
        response = self.client().get(path, headers=self.headers())
        assert response.status_code < 500, (path, response.status_code)
        return response

    def graphql(self, query: str, **variables) -> str:
        response = self.client().post(
            "/graphql", data=json.dumps({"query": query, "variables": variables}),
            content_type="application/json", headers=self.headers())
        assert response.status_code < 500, response.content
        return json.dumps(response.json(), ensure_ascii=False)


def body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


# --- the doors -----------------------------------------------------------------------------


def shows(text: str, thing: Thing) -> bool:
    return any(marker in text for marker in thing.markers)


def page_door(world, thing, viewer, request) -> bool:
    return shows("".join(viewer.get(path).content.decode() for path in thing.pages), thing)


def graphql_door(world, thing, viewer, request) -> bool:
    query, variables = thing.query
    return shows(viewer.graphql(query, **variables), thing)


NODE = """query($id: ID!) { node(id: $id) { id __typename
  ... on Post { text } ... on Comment { text } ... on Resource { title }
  ... on Rating { review } ... on Notification { excerpt } ... on Membership { user { username } }
  ... on TrainingRecord { title tasks } ... on Message { text }
  ... on Conversation { lastMessage { text } }
  ... on Poll { options { text voters { username } } } ... on PollOption { text } } }"""


def node_door(world, thing, viewer, request) -> bool:
    return shows(viewer.graphql(NODE, id=thing.node_id), thing)


SEARCH = """query($q: String!) { search(query: $q, first: 50) { edges { node {
  kind title snippet node { __typename ... on Post { text } ... on Resource { title }
  ... on Topic { name postCount } } } } } }"""
SUGGEST = """query($q: String!) { searchSuggestions(query: $q, perKind: 10) {
  kind title snippet } }"""


def search_door(world, thing, viewer, request) -> bool:
    """The results, and the suggestions offered while typing the same words (the page's
    suggestions, /search/suggest, come from the same selector and echo the words typed)."""
    return shows(viewer.graphql(SEARCH, q=thing.search) + viewer.graphql(SUGGEST, q=thing.search),
                 thing)


TOPIC = """query($name: String!) { topic(name: $name) { name postCount
  posts(first: 50) { edges { node { text } } } } trendingTopics { name } }"""


def topic_door(world, thing, viewer, request) -> bool:
    """The topic page, the topic in GraphQL (its posts and count) and the trending list."""
    page = viewer.get(f"/topics/{thing.topic}/").content.decode()
    answer = viewer.graphql(TOPIC, name=thing.topic)
    data = json.loads(answer).get("data") or {}
    counted = (data.get("topic") or {}).get("postCount") or 0
    trending = [t["name"] for t in data.get("trendingTopics") or []]
    # The topic's own name is in what was asked: only what came with it counts.
    shown = (page + answer).replace(thing.topic, "")
    return shows(shown, thing) or counted > 0 or thing.topic in trending


HOME = "{ homeTimeline(first: 100) { edges { node { text repostOf { text } } } } }"


def home_db_door(world, thing, viewer, request) -> bool:
    request.getfixturevalue("no_redis")
    return shows(viewer.graphql(HOME), thing)


def home_redis_door(world, thing, viewer, request) -> bool:
    """The timeline rebuilt into Redis and read twice: the second read comes from the
    cards (feeds/cards.py), whose visibility check is Python of its own."""
    request.getfixturevalue("redis_timelines")
    if viewer.user is not None:
        rebuild_home_timeline.call(user_id=viewer.user.pk)
    first = viewer.graphql(HOME)
    second = viewer.graphql(HOME)
    if viewer.user is not None:  # the timeline was read from Redis, not the database
        assert not timeline_store.is_missing(timeline_store.key(viewer.user.pk))
    return shows(first + second, thing)


def websocket_door(world, thing, viewer, request) -> bool:
    """A live socket: subscribing to the post's counters and the group's stream, and
    resuming the notifications and the messages (frames carry ids only, so ids are what
    shows)."""
    request.getfixturevalue("settings").CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    channel_layers.backends.clear()
    scope_headers = [(b"authorization", f"Bearer {viewer.token}".encode())] if viewer.token else []

    async def look() -> bool:
        communicator = WebsocketCommunicator(LiveConsumer.as_asgi(), "/ws/live/",
                                             headers=scope_headers)
        communicator.scope["user"] = viewer.user if viewer.token is None else None
        if communicator.scope["user"] is None:
            from django.contrib.auth.models import AnonymousUser

            communicator.scope["user"] = AnonymousUser()
        await communicator.connect()
        first = await communicator.receive_output(timeout=3)
        if first["type"] == "websocket.close":
            return False
        frames = [json.loads(first["text"])]
        if thing.post_id is not None:
            await communicator.send_json_to({"type": "subscribe", "stream": "posts",
                                             "ids": [thing.post_id]})
            frames.append(await communicator.receive_json_from(timeout=3))
        if thing.group_id is not None:
            await communicator.send_json_to({"type": "subscribe", "stream": "group",
                                             "id": thing.group_id})
            frames.append(await communicator.receive_json_from(timeout=3))
        if thing.message_id is not None:
            await communicator.send_json_to({"type": "resume", "after_message": 0})
            await communicator.send_json_to({"type": "ping"})
            while (frame := await communicator.receive_json_from(timeout=3))["type"] != "pong":
                frames.append(frame)
        if thing.notification_id is not None:
            await communicator.send_json_to({"type": "resume", "after_notification": 0})
            await communicator.send_json_to({"type": "ping"})
            while (frame := await communicator.receive_json_from(timeout=3))["type"] != "pong":
                frames.append(frame)
        await communicator.disconnect()
        return any(
            (frame["type"] == "subscribed" and frame["stream"] == "posts"
             and thing.post_id in frame["ids"])
            or (frame["type"] == "subscribed" and frame["stream"] == "group")
            or (frame["type"] == "notification" and frame["id"] == thing.notification_id)
            or (frame["type"] == "message" and frame["id"] == thing.message_id)
            or (frame["type"] == "hello" and thing.notification_id is not None
                and frame["last_notification_id"] == thing.notification_id)
            for frame in frames)

    # The consumer's database calls come back to this thread (async_to_sync), into the
    # cell's transaction; channels' closing of "old" connections would end it.
    with mock.patch("channels.db.close_old_connections"):
        try:
            return async_to_sync(look)()
        finally:
            channel_layers.backends.clear()


def webhook_door(world, thing, viewer, request) -> bool:
    """The event announcing the thing, fanned out to every subscribed app (the school
    routing left aside): what lands in this app's delivery is what it was told."""
    event, ref = thing.webhook
    event_id = str(uuid.uuid4())
    payloads = webhooks.render_payloads(event, ref, school_id=None, event_id=event_id,
                                        occurred_at=timezone.now().isoformat())
    webhooks.fan_out(event=event, event_id=event_id, object_ref=ref, payloads=payloads)
    payloads = Delivery.objects.filter(subscription__app=viewer.app, event_id=event_id)
    return shows(json.dumps([d.payload for d in payloads], ensure_ascii=False), thing)


def file_door(world, thing, viewer, request) -> bool:
    """The file at the URL the site gave an insider: its bytes must not come back."""
    request.getfixturevalue("settings").MEDIA_ROOT = world.media_root
    seen = False
    for url, content in thing.files(world):
        response = viewer.get(url)
        seen |= response.status_code == 200 and content in body(response)
    return seen


def leaderboard_door(world, thing, viewer, request) -> bool:
    request.getfixturevalue("no_redis")  # the boards from the database
    return _on_boards(thing, viewer)


def leaderboard_redis_door(world, thing, viewer, request) -> bool:
    """The boards in Redis, rebuilt from the database as `manage.py rebuild_leaderboards`
    does (the world was built without Redis)."""
    request.getfixturevalue("redis_timelines")
    rebuild_all()
    return _on_boards(thing, viewer)


def _on_boards(thing, viewer) -> bool:
    texts = [viewer.graphql(query, **variables) for query, variables in thing.boards]
    texts += [viewer.get(path).content.decode() for path in thing.board_pages]
    return any(marker in text for text in texts for marker in thing.board_markers)


def oidc_door(world, thing, viewer, request) -> bool:
    """The OpenID Connect userinfo claims of the viewer's token (a person without one gets
    a token with every scope: their own claims must not hold someone else's)."""
    token = viewer.token
    if token is None and viewer.user is not None:
        token = world.token(viewer.user, USER_SCOPES)
    client = Client(raise_request_exception=False)
    headers = {"authorization": f"Bearer {token}"} if token else {}
    response = client.get("/o/userinfo/", headers=headers)
    assert response.status_code < 500
    return shows(response.content.decode("utf-8", "replace"), thing) or shows(
        json.dumps(_json_or_empty(response), ensure_ascii=False), thing)


def id_token_door(world, thing, viewer, request) -> bool:
    """The claims the validator puts into an ID token for the viewer's token (its user and
    scopes; a person without a token: every scope). Apps get no ID token."""
    if viewer.token is not None:
        checksum = hashlib.sha256(viewer.token.encode()).hexdigest()
        token = AccessToken.objects.select_related("user").get(token_checksum=checksum)
        user, scopes = token.user, token.scope.split()
    elif viewer.user is not None:
        user, scopes = type(viewer.user).objects.get(pk=viewer.user.pk), list(USER_SCOPES)
    else:
        return False
    if user is None:  # a school app's token
        return False
    oauth_request = OAuthRequest("https://yiban.example.edu.cn/o/token/")
    oauth_request.user, oauth_request.scopes = user, scopes
    claims = PlatformValidator().get_oidc_claims(None, None, oauth_request)
    return shows(json.dumps(claims, ensure_ascii=False), thing)


def _json_or_empty(response):
    try:
        return response.json()
    except ValueError:
        return {}


@dataclass(frozen=True)
class Door:
    look: Callable[..., bool]
    apps_only: bool = False  # only apps have this door (webhooks)


DOORS = {
    "page": Door(page_door),
    "graphql": Door(graphql_door),
    "node": Door(node_door),
    "search": Door(search_door),
    "topic": Door(topic_door),
    "home_redis": Door(home_redis_door),
    "home_db": Door(home_db_door),
    "websocket": Door(websocket_door),
    "webhook": Door(webhook_door, apps_only=True),
    "file": Door(file_door),
    "leaderboard": Door(leaderboard_door),
    "leaderboard_redis": Door(leaderboard_redis_door),
    "oidc": Door(oidc_door),
    "oidc_id_token": Door(id_token_door),
}


# --- the outsiders -------------------------------------------------------------------------


def _app_viewer(app) -> Viewer:
    return Viewer(app=app, token=mint_token(app))


@dataclass(frozen=True)
class Outsider:
    build: Callable[[World, Kind], Viewer]
    is_app: bool = False
    only_for: str = ""  # a Kind flag that must be set for this outsider to apply


OUTSIDERS = {
    "anonymous": Outsider(lambda w, k: Viewer()),
    "stranger": Outsider(lambda w, k: Viewer(user=w.stranger)),
    "unverified_same_school": Outsider(lambda w, k: Viewer(user=w.unverified)),
    "verified_other_school": Outsider(lambda w, k: Viewer(user=w.other_school)),
    # The insider's own token, with every scope but the one this kind needs.
    "token_without_scope": Outsider(lambda w, k: Viewer(
        user=k.insider(w), token=w.token(k.insider(w), set(USER_SCOPES) - {k.scope}))),
    "app_other_school": Outsider(lambda w, k: _app_viewer(w.app_b), is_app=True),
    "app_same_school": Outsider(lambda w, k: _app_viewer(w.app_a), is_app=True,
                                only_for="closed_to_own_school_apps"),
}


# --- the kinds -----------------------------------------------------------------------------


def gid(obj) -> str:
    return global_id(type(obj).__name__, obj.pk)


POST = "query($id: ID!) { post(id: $id) { text comments { edges { node { text } } } } }"


@dataclass(frozen=True)
class Kind:
    name: str
    scope: str                      # what a token needs to read it
    create: Callable[[World], Thing]
    doors: tuple[str, ...]          # the doors through which someone can see it
    insider: Callable[[World], object] = lambda w: w.member
    # Doors through which nobody sees it, by design (the cell still checks outsiders).
    nobody_sees: tuple[str, ...] = ()
    # A school app of the school must not read it (a private group, followers, a person's own).
    closed_to_own_school_apps: bool = False
    # Who receives it as a webhook: the school's app, after the group let school apps read.
    app_insider_opt_in: bool = False

    def insider_viewer(self, world: World, door: str) -> Viewer:
        if door == "webhook":
            if self.app_insider_opt_in:
                Group.objects.filter(pk=world.group.pk).update(school_apps_may_read=True)
            return _app_viewer(world.app_a)
        return Viewer(user=self.insider(world))


def _group_post(w: World) -> Thing:
    post = leak_world.group_post(w, "qzgrouppost", images=[leak_world.png()])
    return Thing(
        markers=("qzgrouppost",), pages=(f"/posts/{post.pk}/", f"/groups/{w.group.pk}/"),
        query=(POST, {"id": gid(post)}), node_id=gid(post), search="qzgrouppost",
        post_id=post.pk, group_id=w.group.pk, webhook=("post.published", post.pk),
        boards=(("{ leaderboard(kind: GROUPS) { rows { group { name } } } }", {}),),
        board_pages=("/leaderboards/?tab=groups&window=all",), board_markers=("摄影社",))


def _group_image(w: World) -> Thing:
    post = leak_world.group_post(w, "qzimagepost", images=[leak_world.png((201, 3, 77))])

    def files(world):
        urls = json.loads(Viewer(user=world.member).graphql(
            "query($id: ID!) { post(id: $id) { images } }", id=gid(post)))
        image = PostImage.objects.get(post=post)
        return [(url, image.image.open("rb").read()) for url in urls["data"]["post"]["images"]]

    return Thing(markers=(), files=files)


def _group_comment(w: World) -> Thing:
    comment = leak_world.group_comment(w, "qzcomment")
    return Thing(markers=("qzcomment",), pages=(f"/posts/{comment.post_id}/",),
                 query=(POST, {"id": global_id("Post", comment.post_id)}), node_id=gid(comment),
                 post_id=comment.post_id, webhook=("comment.added", comment.pk))


def _group_topic(w: World) -> Thing:
    leak_world.feeds.publish_post(actor=leak_world.actor_for(w.author), group=w.group,
                                  text="qztopicpost 暗房开放时间 #暗房夜话#")
    return Thing(markers=("qztopicpost", "暗房夜话"), topic="暗房夜话", search="暗房夜话")


def _held_post(w: World) -> Thing:
    post = leak_world.held_post(w, "qzheldpost")
    return Thing(markers=("qzheldpost",), pages=(f"/posts/{post.pk}/", f"/u/{w.author.username}/"),
                 query=(POST, {"id": gid(post)}), node_id=gid(post), search="qzheldpost",
                 post_id=post.pk, webhook=("post.published", post.pk))


def _school_post(w: World) -> Thing:
    post = leak_world.school_post(w, "qzschoolpost")
    return Thing(markers=("qzschoolpost",),
                 pages=(f"/posts/{post.pk}/", f"/u/{w.author.username}/"),
                 query=(POST, {"id": gid(post)}), node_id=gid(post), search="qzschoolpost",
                 post_id=post.pk, webhook=("post.published", post.pk))


def _followers_post(w: World) -> Thing:
    post = leak_world.followers_post(w, "qzfollowerspost")
    return Thing(markers=("qzfollowerspost",),
                 pages=(f"/posts/{post.pk}/", f"/u/{w.poster.username}/"),
                 query=(POST, {"id": gid(post)}), node_id=gid(post), search="qzfollowerspost",
                 post_id=post.pk, webhook=("post.published", post.pk))


def _announcement(w: World) -> Thing:
    post = leak_world.announcement(w, "qzannouncement")
    return Thing(markers=("qzannouncement",), pages=(f"/groups/{w.group.pk}/",),
                 query=("query($g: ID!) { groupAnnouncements(groupId: $g) { text } }",
                        {"g": gid(w.group)}),
                 node_id=gid(post), webhook=("post.published", post.pk))


def _group_poll(w: World) -> Thing:
    post = leak_world.group_poll(w, "qzpolloption")

    def files(world):
        return [(f"/posts/{post.pk}/poll.csv",
                 Viewer(user=world.member).get(f"/posts/{post.pk}/poll.csv").content)]

    return Thing(markers=("qzpolloption",), pages=(f"/posts/{post.pk}/", f"/groups/{w.group.pk}/"),
                 query=("query($id: ID!) { post(id: $id) { poll { options { text voteCount "
                        "voters { username } } } } }", {"id": gid(post)}),
                 node_id=global_id("Poll", post.poll.pk), webhook=("poll.closed", post.poll.pk),
                 files=files)


def _read_receipts(w: World) -> Thing:
    post = leak_world.read_announcement(w)
    return Thing(markers=('data-testid="read-count"', '"readCount"'),
                 pages=(f"/posts/{post.pk}/",),
                 query=("query($id: ID!) { post(id: $id) { readReceipts { readCount "
                        "read { user { username } } unread { username } } } }",
                        {"id": gid(post)}))


RESOURCE_BOARDS = (
    ("{ leaderboard(kind: RESOURCES_BY_SCORE) { rows { resource { title } } } }", {}),
    ("{ leaderboard(kind: RESOURCES_BY_DOWNLOADS) { rows { resource { title } } } }", {}))
RESOURCE_BOARD_PAGES = ("/leaderboards/?tab=resources", "/leaderboards/?tab=downloads&window=all")


def _group_resource(w: World) -> Thing:
    resource = leak_world.rated(w, leak_world.group_resource(w, "qzresource"))
    share = leak_world.resources.share_resource(actor=leak_world.actor_for(w.author),
                                                resource_id=resource.pk, group=w.group,
                                                text="社团资料，大家看看")
    return Thing(
        markers=("qzresource",), pages=(f"/resources/{resource.pk}/", "/resources/"),
        query=("query($id: ID!) { resource(id: $id) { title } resources { edges { node "
               "{ title } } } }", {"id": gid(resource)}),
        node_id=gid(resource), search="qzresource", webhook=("resource.shared", share.pk),
        boards=RESOURCE_BOARDS, board_pages=RESOURCE_BOARD_PAGES, board_markers=("qzresource",))


def _school_resource(w: World) -> Thing:
    resource = leak_world.school_resource(w, "qzschoolresource")
    share = leak_world.resources.share_resource(actor=leak_world.actor_for(w.author),
                                                resource_id=resource.pk, text="本校同学看看")
    return Thing(
        markers=("qzschoolresource",), pages=(f"/resources/{resource.pk}/", "/resources/"),
        query=("query($id: ID!) { resource(id: $id) { title } resources { edges { node "
               "{ title } } } }", {"id": gid(resource)}),
        node_id=gid(resource), search="qzschoolresource", webhook=("resource.shared", share.pk),
        boards=RESOURCE_BOARDS, board_pages=RESOURCE_BOARD_PAGES,
        board_markers=("qzschoolresource",))


def _resource_file(w: World) -> Thing:
    resource = leak_world.group_resource(w, "qzfileresource")

    def files(world):
        answer = json.loads(Viewer(user=world.member).graphql(
            "query($id: ID!) { resource(id: $id) { currentVersion { downloadUrl } } }",
            id=gid(resource)))
        current = Resource.objects.select_related("current__blob").get(pk=resource.pk).current
        return [(answer["data"]["resource"]["currentVersion"]["downloadUrl"], leak_world.PDF),
                (current.blob.file.url, leak_world.PDF)]

    return Thing(markers=(), files=files)


def _member_list(w: World) -> Thing:
    hidden = Membership.objects.get(group=w.group, user=w.hidden_member)
    return Thing(
        markers=("qz_hidden_member",), pages=(f"/groups/{w.group.pk}/members/",),
        query=("query($id: ID!) { group(id: $id) { members(first: 50) { edges { node "
               "{ user { username } } } } } }", {"id": gid(w.group)}),
        node_id=gid(hidden), webhook=("group.member_joined", hidden.pk),
        boards=(("query($g: ID!) { leaderboard(kind: PEOPLE, groupId: $g) "
                 "{ rows { user { username } } } }", {"g": gid(w.group)}),),
        board_pages=(f"/leaderboards/?tab=people&window=all&scope=group:{w.group.pk}",),
        board_markers=("qz_hidden_member",))


def _notification(w: World) -> Thing:
    notification = leak_world.mention(w, "qznotification").get()
    # The page lists what happened, not the excerpt: only this notification says 提到了你.
    return Thing(markers=("qznotification", str(notification.get_kind_display())),
                 pages=("/notifications/",),
                 query=("{ notifications(first: 50) { edges { node { excerpt } } } "
                        "notificationGroups(first: 50) { edges { node { excerpt } } } }", {}),
                 node_id=gid(notification), notification_id=notification.pk)


def _review(w: World) -> Thing:
    resource = leak_world.group_resource(w, "qzreviewed")
    rating = leak_world.review(w, "qzreview", resource)
    return Thing(markers=("qzreview ",), pages=(f"/resources/{resource.pk}/",),
                 query=("query($id: ID!) { resource(id: $id) { reviews { edges { node "
                        "{ review } } } } }", {"id": gid(resource)}),
                 node_id=gid(rating), webhook=("resource.rated", rating.pk))


INBOX = """query($c: ID!) { conversations(first: 50) { edges { node { title
  lastMessage { text } } } } messages(conversationId: $c, first: 50) { edges { node { text
  attachmentName } } } }"""


def _direct_message(w: World) -> Thing:
    message = leak_world.direct_message(w, "qzdirectmessage")
    cid = global_id("Conversation", message.conversation_id)
    return Thing(markers=("qzdirectmessage",),
                 pages=("/messages/", f"/messages/{message.conversation_id}/"),
                 query=(INBOX, {"c": cid}), node_id=gid(message), search="qzdirectmessage",
                 message_id=message.pk)


def _message_image(w: World) -> Thing:
    message = leak_world.direct_message(w, "qzmessageimage",
                                        attachment=leak_world.png((90, 200, 31)))

    def files(world):
        cid = global_id("Conversation", message.conversation_id)
        answer = json.loads(Viewer(user=world.member).graphql(
            "query($c: ID!) { messages(conversationId: $c, first: 50) { edges { node "
            "{ attachmentUrl } } } }", c=cid))
        urls = [e["node"]["attachmentUrl"] for e in answer["data"]["messages"]["edges"]
                if e["node"]["attachmentUrl"]]
        stored = type(message).objects.get(pk=message.pk).attachment
        return [(url, stored.open("rb").read()) for url in urls]

    return Thing(markers=(), files=files)


def _group_chat_message(w: World) -> Thing:
    message = leak_world.group_chat_message(w, "qzgroupchat")
    cid = global_id("Conversation", message.conversation_id)
    return Thing(markers=("qzgroupchat",),
                 pages=("/messages/", f"/messages/{message.conversation_id}/"),
                 query=(INBOX, {"c": cid}), node_id=cid, search="qzgroupchat",
                 message_id=message.pk, group_id=None)


def _training(w: World) -> Thing:
    record = leak_world.training_record(w, "qztraining")
    return Thing(markers=("qztraining",),
                 pages=(f"/training/{record.pk}/", f"/u/{w.trainee.username}/growth/"),
                 query=("query($id: ID!, $u: String!) { trainingRecord(id: $id) { title } "
                        "growthRecord(username: $u) { records { edges { node { tasks } } } } }",
                        {"id": gid(record), "u": w.trainee.username}),
                 node_id=gid(record))


def _identity(w: World) -> Thing:
    return Thing(markers=(w.member.member_number, "钱同学"), pages=(f"/u/{w.member.username}/",),
                 query=("query($u: String!) { user(username: $u) { memberNumber } }",
                        {"u": w.member.username}))


MINOR = """query($u: String!) { user(username: $u) { bio major enrolmentYear
  followers(first: 10) { edges { node { username } } } } }"""


def _minor_profile(w: World) -> Thing:
    person = leak_world.minor(w, "qzminor")
    return Thing(markers=("qzminorbio", "qzminormajor", "qzminorfan", "qzminorpost"),
                 pages=(f"/u/{person.username}/", f"/u/{person.username}/followers/"),
                 query=(MINOR, {"u": person.username}), search="qzminorbio")


def _unverified_name(w: World) -> Thing:
    type(w.unverified).objects.filter(pk=w.unverified.pk).update(last_name="孙",
                                                                 first_name="未认证")
    return Thing(markers=("孙未认证",))


KINDS = [
    Kind("group_post", "feed:read", _group_post,
         ("page", "graphql", "node", "search", "home_redis", "home_db", "websocket", "webhook",
          "leaderboard", "leaderboard_redis"),
         # private groups are left off the activity board
         nobody_sees=("leaderboard", "leaderboard_redis"),
         closed_to_own_school_apps=True, app_insider_opt_in=True),
    Kind("group_comment", "feed:read", _group_comment,
         ("page", "graphql", "node", "websocket", "webhook"),
         closed_to_own_school_apps=True, app_insider_opt_in=True),
    Kind("group_image", "feed:read", _group_image, ("file",), closed_to_own_school_apps=True),
    Kind("group_topic", "feed:read", _group_topic, ("topic", "search"),
         closed_to_own_school_apps=True),
    Kind("school_post", "feed:read", _school_post,
         ("page", "graphql", "node", "search", "home_redis", "home_db", "websocket",
          "webhook")),
    # Held by moderation (审核中): a public post seen by its author only, through every door.
    Kind("held_post", "feed:read", _held_post,
         ("page", "graphql", "node", "search", "home_redis", "home_db", "webhook"),
         insider=lambda w: w.author,
         nobody_sees=("search", "webhook"),  # out of the index and announced to no app
         closed_to_own_school_apps=True),
    Kind("followers_post", "feed:read", _followers_post,
         ("page", "graphql", "node", "search", "home_redis", "home_db", "websocket",
          "webhook"),
         nobody_sees=("webhook",),  # no app follows anyone
         closed_to_own_school_apps=True),
    Kind("announcement", "feed:read", _announcement, ("page", "graphql", "node", "webhook"),
         closed_to_own_school_apps=True, app_insider_opt_in=True),
    # A private group's poll: its options, counts and voters, and its results file.
    Kind("group_poll", "feed:read", _group_poll, ("page", "graphql", "node", "webhook", "file"),
         closed_to_own_school_apps=True, app_insider_opt_in=True),
    # Who has read a private group's announcement: its owner and admins only.
    Kind("read_receipts", "feed:read", _read_receipts, ("page", "graphql"),
         insider=lambda w: w.author, closed_to_own_school_apps=True),
    Kind("group_resource", "resources:read", _group_resource,
         ("page", "graphql", "node", "search", "webhook", "leaderboard", "leaderboard_redis"),
         nobody_sees=("leaderboard", "leaderboard_redis"),  # boards rank public resources only
         closed_to_own_school_apps=True, app_insider_opt_in=True),
    Kind("school_resource", "resources:read", _school_resource,
         ("page", "graphql", "node", "search", "webhook", "leaderboard", "leaderboard_redis"),
         nobody_sees=("leaderboard", "leaderboard_redis")),  # boards rank public resources only
    Kind("resource_file", "resources:read", _resource_file, ("file",),
         closed_to_own_school_apps=True),
    Kind("member_list", "groups:read", _member_list,
         ("page", "graphql", "node", "webhook", "leaderboard", "leaderboard_redis"),
         closed_to_own_school_apps=True, app_insider_opt_in=True),
    Kind("notification", "notifications:read", _notification,
         ("page", "graphql", "node", "websocket"), closed_to_own_school_apps=True),
    Kind("review", "resources:read", _review, ("page", "graphql", "node", "webhook"),
         closed_to_own_school_apps=True, app_insider_opt_in=True),
    # A conversation is its participants' only: through every door, to no app of a school
    # (no scope grants it), never in search (messages are not indexed).
    Kind("direct_message", "messages:read", _direct_message,
         ("page", "graphql", "node", "search", "websocket"), nobody_sees=("search",),
         closed_to_own_school_apps=True),
    Kind("message_image", "messages:read", _message_image, ("file",),
         closed_to_own_school_apps=True),
    Kind("group_chat_message", "messages:read", _group_chat_message,
         ("page", "graphql", "node", "search", "websocket"), nobody_sees=("search",),
         closed_to_own_school_apps=True),
    # A school app of the school (school:training) reads signed records by design.
    Kind("training_record", "training:read", _training, ("page", "graphql", "node"),
         insider=lambda w: w.trainee),
    Kind("verified_identity", "profile:verified", _identity,
         ("page", "graphql", "oidc", "oidc_id_token"),
         closed_to_own_school_apps=True),
    # A minor's profile (minors mode): bio, major, followers and posts for verified members
    # of their school (and people the minor follows), not for anyone else or any app.
    Kind("minor_profile", "profile", _minor_profile, ("page", "graphql", "search"),
         closed_to_own_school_apps=True),
    # The real name goes into claims only once the school has verified it: not even its
    # owner's token (profile:verified) carries an unverified one.
    Kind("unverified_real_name", "profile:verified", _unverified_name, ("oidc", "oidc_id_token"),
         insider=lambda w: w.unverified, nobody_sees=("oidc", "oidc_id_token")),
]


# --- the matrix ----------------------------------------------------------------------------


def _cells():
    for kind in KINDS:
        for door_name in kind.doors:
            door = DOORS[door_name]
            if door_name not in kind.nobody_sees:
                yield pytest.param(kind, door_name, "insider",
                                   id=f"{kind.name}-{door_name}-insider")
            for name, outsider in OUTSIDERS.items():
                if door.apps_only and not outsider.is_app:
                    continue
                if outsider.only_for and not getattr(kind, outsider.only_for):
                    continue
                yield pytest.param(kind, door_name, name, id=f"{kind.name}-{door_name}-{name}")


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Built once, in a transaction rolled back after the module; without Redis, so
    nothing of it outlives the module there either."""
    media = tmp_path_factory.mktemp("leak-media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media,
                                                       ACCELERATOR_REDIS_URL=""):
        accelerator._client.cache_clear()
        outer = transaction.atomic()
        outer.__enter__()
        try:
            built = leak_world.build_world(KINDS)
            built.media_root = str(media)
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
        accelerator._client.cache_clear()
    yield built
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.mark.django_db
@pytest.mark.parametrize(("kind", "door", "who"), list(_cells()))
def test_leak_matrix(world, kind, door, who, request):
    thing = world.things[kind.name]
    if who == "insider":
        viewer = kind.insider_viewer(world, door)
        assert DOORS[door].look(world, thing, viewer, request), (
            f"the insider does not see {kind.name} through {door}: the door looks wrong")
    else:
        viewer = OUTSIDERS[who].build(world, kind)
        assert not DOORS[door].look(world, thing, viewer, request), (
            f"{who} sees {kind.name} through {door}")


def test_every_door_and_kind_is_in_the_matrix_with_a_control():
    """A door no kind shows to an insider would be a door nobody checked."""
    controlled = {door for kind in KINDS for door in kind.doors if door not in kind.nobody_sees}
    assert controlled == set(DOORS)
    assert all(set(kind.doors) <= set(DOORS) for kind in KINDS)
    assert len({kind.name for kind in KINDS}) == len(KINDS)

