"""Every write to posts, comments, likes and reposts.

Each service checks permission and input, changes rows and counters in one
transaction, and enqueues what follows (fan-out, notifications) in that same
transaction, so nothing is lost and nothing is sent for a change that rolled back.
What other apps do about it (webhooks, live pushes) hangs on the domain events sent
here (PostPublished, CommentAdded, PostCountersChanged: yiban_core/events.py).
"""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from feeds import boards, cards, mentions, poll_services, rules, selectors, tasks, timeline_store
from feeds.models import (
    COMMENT_MAX_LENGTH,
    MAX_IMAGES,
    POST_MAX_LENGTH,
    Comment,
    CommentLike,
    Mention,
    Post,
    PostImage,
    PostLike,
    PostTopic,
    Topic,
    Visibility,
)
from feeds.poll_services import PollSpec
from feeds.text import normalize_topic, topic_names
from yiban_core import events
from yiban_core.accounts.rules import require_not_blocked, require_school_publisher
from yiban_core.actor import Actor
from yiban_core.credits import services as credits
from yiban_core.errors import Conflict, Invalid, NotFound, PermissionDenied
from yiban_core.groups.models import Group
from yiban_core.groups.rules import role_in
from yiban_core.ids import parse_id
from yiban_core.images import check_image
from yiban_core.moderation.models import CaseOrigin, ContentState
from yiban_core.moderation.rules import contains_link, premoderation_reason, require_not_muted
from yiban_core.moderation.services import hold, hold_if_needed, school_of, screen
from yiban_core.notifications.models import Notification
from yiban_core.notifications.services import notify
from yiban_core.ratelimit import hit
from yiban_core.search.services import index_later

POSTS_PER_HOUR = 60
COMMENTS_PER_HOUR = 200
LIKES_PER_HOUR = 300  # posts and comments together


def _bump(post_id: int, counter: str, step: int) -> None:
    """Move a post's counter in the caller's transaction. An update sends no signal:
    the post's card is forgotten here (cards.forget_after_commit)."""
    Post.objects.filter(pk=post_id).update(**{counter: F(counter) + step})
    cards.forget_after_commit(cards.POST, [post_id])


def recount_comments(post_id: int) -> None:
    """Set a post's comment count to the comments everyone sees: not those held or removed
    by moderation, nor the replies under such a comment (after a deletion too)."""
    shown = Comment.objects.filter(post_id=post_id, moderation=ContentState.VISIBLE)
    count = shown.filter(Q(parent__isnull=True)
                         | Q(parent__moderation=ContentState.VISIBLE)).count()
    Post.objects.filter(pk=post_id).update(comment_count=count)
    cards.forget_after_commit(cards.POST, [post_id])
    events.send(events.PostCountersChanged(post_id=post_id))


def _clean_text(text: str, *, max_length: int, field: str = "text", required: bool = True) -> str:
    text = (text or "").replace("\r\n", "\n").strip()
    if required and not text:
        raise Invalid(_("内容不能为空"), field=field)
    if len(text) > max_length:
        raise Invalid(_("内容不能超过 %(n)d 个字") % {"n": max_length}, field=field)
    return text


def _post_for_write(actor: Actor, post_id) -> Post:
    """A post the actor can see (anything else is 'not found', never 'forbidden')."""
    return selectors.get_post(actor=actor, pk=post_id)


def _link_topics_and_mentions(post: Post, *, actor: Actor, old_mentions: set[int],
                              mention_ids=()) -> None:
    """Topics, and the people the text mentions (feeds/mentions.py): `mention_ids` are
    those chosen in the composer's autocomplete. Sets post.mention_links; the caller
    saves it."""
    names = topic_names(post.text)
    for name in names:
        topic, created = Topic.objects.get_or_create(normalized=normalize_topic(name),
                                                     defaults={"name": name})
        if created:
            index_later("topic", topic.pk)
        PostTopic.objects.create(post=post, topic=topic)
    _count_topics(post, +1)
    mentioned = mentions.resolve(author=post.author, text=post.text, chosen_ids=mention_ids,
                                 kept=post.mention_links)
    post.mention_links = mentions.as_links(mentioned)  # saved by the caller
    people = {user.pk for user in mentioned.values()}
    post.mentions.exclude(user_id__in=people).delete()
    Mention.objects.bulk_create([Mention(post=post, user_id=pk) for pk in people],
                                ignore_conflicts=True)
    new = [pk for pk in people if pk not in old_mentions]
    if new:
        tasks.notify_visible_mentions.enqueue(post_id=post.pk, user_ids=new)


def _count_topics(post: Post, step: int) -> None:
    """Topic.post_count counts public posts only: a private group's activity never shows."""
    if post.visibility == Visibility.PUBLIC:
        topic_ids = list(post.topic_links.values_list("topic_id", flat=True))
        Topic.objects.filter(pk__in=topic_ids).update(post_count=F("post_count") + step)


def _unlink_topics(post: Post) -> None:
    _count_topics(post, -1)
    post.topic_links.all().delete()
    post.forget_details()


def publish_post(
    *, actor: Actor, text: str, visibility: str = Visibility.PUBLIC, group: Group | None = None,
    images=(), repost_of: Post | None = None, mention_ids=(), announce: bool = False,
    poll: PollSpec | None = None,
) -> Post:
    """Publish a post. With `announce`, a group post is published as the group's
    announcement (群公告) in one step: pinned from the start, its members notified, as
    set_pinned does for a post already published (owner and admins only). With `poll`,
    the post carries a poll (投票, feeds/poll_services.py), written in the same
    transaction. `@所有人` is for a group's owner, admins and teachers (feeds/mentions.py)."""
    actor.require_scope("feed:write")
    user = actor.require_user()
    require_not_muted(user)
    images = list(images or [])
    text = _clean_text(text, max_length=POST_MAX_LENGTH,
                       required=not images and repost_of is None)
    verdict = screen("text", text, school=school_of(user, group))
    text = verdict.text
    if len(images) > MAX_IMAGES:
        raise Invalid(_("最多 9 张图片"), field="images")
    for upload in images:
        check_image(upload, field="images", max_bytes=settings.POST_IMAGE_MAX_BYTES)
    if announce and group is None:
        raise Invalid(_("只有群内动态可以设为公告"), field="announce")
    role = None
    if group is not None:
        role = role_in(actor, group)
        rules.require_may_post_in(group, role)
        if announce and not rules.may_announce_in(actor, group, role):
            raise PermissionDenied(_("只有群主或管理员可以发布公告"))
        visibility = Visibility.GROUP
    elif visibility == Visibility.GROUP:
        raise Invalid(_("群内动态要选一个群"), field="group")
    elif visibility not in Visibility.values:
        raise Invalid(_("可见范围不正确"), field="visibility")
    visibility = rules.capped_visibility(user, visibility)  # a minor's: never public
    if visibility == Visibility.SCHOOL:
        require_school_publisher(user)
    if repost_of is not None and not rules.may_repost(actor, repost_of):
        raise Invalid(_("只能转发公开的动态"), field="repost_of")
    if mentions.mentions_everyone(text):
        rules.require_may_mention_everyone(actor, group, role)
    if poll is not None:
        if repost_of is not None:
            raise Invalid(_("转发不能带投票"), field="poll")
        poll = poll_services.clean_poll(poll, school=school_of(user, group))
    held = premoderation_reason(
        author=user, group=group, school=user.school if visibility == Visibility.SCHOOL else None,
        has_link=contains_link(text), has_image=bool(images)) is not None
    hit(f"post:{user.pk}", limit=POSTS_PER_HOUR, window_s=3600)
    with transaction.atomic():
        post = Post.objects.create(author=user, text=text, visibility=visibility, group=group,
                                   school_id=user.school_id, repost_of=repost_of,
                                   is_repost=repost_of is not None,
                                   pinned_at=timezone.now() if announce else None)
        for position, upload in enumerate(images):
            PostImage.objects.create(post=post, position=position,
                                     image=_named(upload, f"{post.pk}-{position}"))
        if poll is not None:
            poll_services.create_poll(post, poll)
        _link_topics_and_mentions(post, actor=actor, old_mentions=set(),
                                  mention_ids=mention_ids)
        if post.mention_links:
            post.save(update_fields=["mention_links"])
        hold_if_needed(post, verdict)
        if held:
            hold(post, origin=CaseOrigin.PREMODERATION)
        index_later("post", post.pk)
        if post.moderation == ContentState.HELD:  # told to nobody (no points, notices or
            post.published = False                 # events) until a moderator approves it
            post.save(update_fields=["published"])
            return post
        send_out_post(post)
    return post


def send_out_post(post: Post) -> None:
    """What follows a post reaching its readers: points, the original's repost count and
    notice, the fan-out, PostPublished, the group's boards. When written, or when a
    moderator approves a post held at writing (feeds/moderation.py). In a transaction."""
    credits.award(user_id=post.author_id, rule="post_published", key=str(post.pk), source=post)
    if post.pinned_at is not None and post.group_id is not None:
        tasks.announce.enqueue(post_id=post.pk, actor_id=post.author_id)
    if post.group_id is not None and mentions.mentions_everyone(post.text):
        tasks.notify_everyone.enqueue(post_id=post.pk)
    if post.repost_of_id is not None:
        _bump(post.repost_of_id, "repost_count", 1)
        notify(recipient_ids=[post.repost_of.author_id], kind=Notification.Kind.REPOSTED,
               actor_id=post.author_id, event_key=f"repost:{post.pk}", target=post.repost_of,
               detail_id=post.pk)
    if timeline_store.available():
        tasks.fan_out_post.enqueue(post_id=post.pk)
    events.send(events.PostPublished(post_id=post.pk, author_id=post.author_id,
                                     group_id=post.group_id, school_id=post.school_id))
    if post.group_id is not None:
        boards.record_post(post.group, post.created_at)  # moves the boards on commit


def _named(upload, stem: str):
    extension = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp",
                 "image/gif": "gif"}[upload.content_type]
    upload.name = f"{stem}.{extension}"
    return upload


def repost(*, actor: Actor, post_id, text: str = "",
           visibility: str = Visibility.PUBLIC) -> Post:
    actor.require_scope("feed:write")  # before the lookup, so a token without it learns nothing
    original = _post_for_write(actor, post_id)
    original = original.repost_of or original  # a repost of a repost points at the original
    require_not_blocked(actor.require_user(), original.author, doing=_("转发"), field="post")
    return publish_post(actor=actor, text=text, visibility=visibility, repost_of=original)


def edit_post(*, actor: Actor, post_id, text: str | None = None,
              visibility: str | None = None, mention_ids=()) -> Post:
    actor.require_scope("feed:write")
    user = actor.require_user()
    require_not_muted(user)
    post = _post_for_write(actor, post_id)
    if not rules.may_edit_post(actor, post):
        raise PermissionDenied(_("只能编辑自己的动态"))
    verdict = None
    if text is not None:
        text = _clean_text(text, max_length=POST_MAX_LENGTH,
                           required=not post.images.exists() and post.repost_of_id is None)
        verdict = screen("text", text, school=school_of(user, post.group))
        text = verdict.text
        everyone = mentions.mentions_everyone(text) and not mentions.mentions_everyone(post.text)
        if everyone:
            rules.require_may_mention_everyone(actor, post.group, role_in(actor, post.group))
    if visibility is not None:
        if post.group_id is not None or visibility == Visibility.GROUP:
            raise Invalid(_("群内动态不能改可见范围"), field="visibility")
        if visibility not in Visibility.values:
            raise Invalid(_("可见范围不正确"), field="visibility")
        visibility = rules.capped_visibility(user, visibility)
        if visibility == Visibility.SCHOOL and post.visibility != Visibility.SCHOOL:
            require_school_publisher(user)
            if post.school_id != user.verified_school_id:  # posted before the verification
                raise Invalid(_("这条动态发布时不属于你现在认证的学校"), field="visibility")
        if post.reposts.exists() and visibility != Visibility.PUBLIC:
            raise Invalid(_("已被转发的动态只能保持公开"), field="visibility")
    changed = ((text is not None and text != post.text)
               or (visibility is not None and visibility != post.visibility))
    with transaction.atomic():
        if text is not None and text != post.text:
            old_mentions = set(post.mentions.values_list("user_id", flat=True))
            _unlink_topics(post)
            post.text = text
            _link_topics_and_mentions(post, actor=actor, old_mentions=old_mentions,
                                      mention_ids=mention_ids)
            if everyone and post.published:
                tasks.notify_everyone.enqueue(post_id=post.pk)
        if visibility is not None and visibility != post.visibility:
            _count_topics(post, -1)
            post.visibility = visibility
            _count_topics(post, +1)
        post.edited_at = timezone.now()
        post.save(update_fields=["text", "visibility", "edited_at", "mention_links"])
        if verdict is not None:
            hold_if_needed(post, verdict)
        # An edit is new text: under 先审后发 it waits again, so a post approved (or written
        # plain) cannot be edited into what the switches hold.
        if changed and premoderation_reason(
                author=user, group=post.group,
                school=user.school if post.visibility == Visibility.SCHOOL else None,
                has_link=contains_link(post.text), has_image=post.images.exists()):
            hold(post, origin=CaseOrigin.PREMODERATION)
        index_later("post", post.pk)
    return post


def delete_post(*, actor: Actor, post_id) -> None:
    actor.require_scope("feed:write")
    actor.require_user()
    post = _post_for_write(actor, post_id)
    if not rules.may_delete_post(actor, post, role_in(actor, post.group)):
        raise PermissionDenied(_("只能删除自己的动态"))
    with transaction.atomic():
        _unlink_topics(post)
        credits.reverse_for(post)
        if post.repost_of_id is not None:
            _bump(post.repost_of_id, "repost_count", -1)
        post_id = post.pk
        post.delete()  # comments, likes, images and mentions go with it
        index_later("post", post_id)
        selectors.forget_trending()


def set_pinned(*, actor: Actor, post_id, pinned: bool) -> Post:
    """Pin a group post as an announcement (群公告); its members are notified."""
    actor.require_scope("feed:write")
    actor.require_user()
    post = _post_for_write(actor, post_id)
    if post.group_id is None:
        raise Invalid(_("只有群内动态可以设为公告"), field="post")
    if not rules.may_pin(actor, post, role_in(actor, post.group)):
        raise PermissionDenied(_("只有群主或管理员可以设置公告"))
    if pinned == post.is_announcement:
        return post
    with transaction.atomic():
        post.pinned_at = timezone.now() if pinned else None
        post.save(update_fields=["pinned_at"])
        if pinned:
            tasks.announce.enqueue(post_id=post.pk, actor_id=actor.user.pk)
    return post


def like_post(*, actor: Actor, post_id) -> Post:
    actor.require_scope("feed:write")
    user = actor.require_user()
    post = _post_for_write(actor, post_id)
    require_not_blocked(user, post.author, doing=_("点赞"), field="post")
    hit(f"like:{user.pk}", limit=LIKES_PER_HOUR, window_s=3600)
    try:
        with transaction.atomic():
            PostLike.objects.create(post=post, user=user)
            _bump(post.pk, "like_count", 1)
            events.send(events.PostCountersChanged(post_id=post.pk))
            if post.author_id != user.pk:
                credits.award(user_id=post.author_id, rule="like_received",
                              key=f"{post.pk}:{user.pk}", source=post)
            notify(recipient_ids=[post.author_id], kind=Notification.Kind.LIKED_POST,
                   actor_id=user.pk, event_key=f"like:post:{post.pk}:{user.pk}", target=post,
                   group_key=f"liked_post:{post.pk}")
    except IntegrityError:
        raise Conflict(_("已经赞过了"), field="post") from None
    post.refresh_from_db(fields=["like_count"])
    return post


def unlike_post(*, actor: Actor, post_id) -> Post:
    actor.require_scope("feed:write")
    user = actor.require_user()
    post = _post_for_write(actor, post_id)
    with transaction.atomic():
        deleted, _details = PostLike.objects.filter(post=post, user=user).delete()
        if not deleted:
            raise NotFound(_("你还没有赞过"), field="post")
        _bump(post.pk, "like_count", -1)
        events.send(events.PostCountersChanged(post_id=post.pk))
    post.refresh_from_db(fields=["like_count"])
    return post


def add_comment(*, actor: Actor, post_id, text: str, parent_id=None,
                mention_ids=()) -> Comment:
    actor.require_scope("feed:write")
    user = actor.require_user()
    require_not_muted(user)
    post = _post_for_write(actor, post_id)
    text = _clean_text(text, max_length=COMMENT_MAX_LENGTH)
    verdict = screen("text", text, school=school_of(user, post.group))
    text = verdict.text
    parent = None
    if parent_id is not None:
        parent_pk = parse_id(parent_id)
        parent = Comment.objects.filter(pk=parent_pk, post=post).first() if parent_pk else None
        if parent is None:
            raise NotFound(_("要回复的评论不存在"), field="parent")
    require_not_blocked(user, post.author, doing=_("评论"), field="post")
    if parent is not None:
        require_not_blocked(user, parent.author, doing=_("回复 TA"), field="parent")
    held = premoderation_reason(
        author=user, group=post.group,
        school=post.school if post.visibility == Visibility.SCHOOL else None,
        has_link=contains_link(text)) is not None
    hit(f"comment:{user.pk}", limit=COMMENTS_PER_HOUR, window_s=3600)
    with transaction.atomic():
        mentioned = mentions.resolve(author=user, text=text, chosen_ids=mention_ids)
        comment = Comment.objects.create(
            post=post, author=user, text=text, mention_links=mentions.as_links(mentioned),
            # Replies stay one level deep: a reply to a reply joins the same thread.
            parent=(parent.parent or parent) if parent else None,
            reply_to=parent.author if parent else None,
        )
        hold_if_needed(comment, verdict)
        if held:
            hold(comment, origin=CaseOrigin.PREMODERATION)
        if comment.moderation == ContentState.HELD:  # not counted, announced or notified
            comment.published = False                  # until a moderator approves it
            comment.save(update_fields=["published"])
            return comment
        _bump(post.pk, "comment_count", 1)
        send_out_comment(comment, mentioned_ids=[person.pk for person in mentioned.values()])
    return comment


def send_out_comment(comment: Comment, *, mentioned_ids) -> None:
    """What follows a comment reaching its readers (its count aside): CommentAdded, the
    notices to the post's author, to whom it replies and to those it mentions. When written,
    or when a moderator approves a comment held at writing. In a transaction."""
    post = comment.post
    events.send(events.CommentAdded(comment_id=comment.pk, post_id=post.pk))
    events.send(events.PostCountersChanged(post_id=post.pk))
    # A reply to a reply joins its thread (parent) but answers reply_to: "回复了你的评论".
    replied_id = comment.reply_to_id if comment.parent_id is not None else None
    if replied_id != post.author_id:
        notify(recipient_ids=[post.author_id], kind=Notification.Kind.COMMENTED,
               actor_id=comment.author_id, event_key=f"comment:{comment.pk}", target=post,
               detail_id=comment.pk)
    if replied_id is not None:
        notify(recipient_ids=[replied_id], kind=Notification.Kind.REPLIED,
               actor_id=comment.author_id, event_key=f"reply:{comment.pk}", target=post,
               detail_id=comment.pk)
    ids = sorted(set(mentioned_ids))
    if ids:
        tasks.notify_visible_mentions.enqueue(post_id=post.pk, user_ids=ids,
                                              comment_id=comment.pk)


def delete_comment(*, actor: Actor, comment_id) -> None:
    actor.require_scope("feed:write")
    actor.require_user()
    comment = _visible_comment(actor, comment_id)
    post = comment.post
    if not rules.may_delete_comment(actor, comment, post, role_in(actor, post.group)):
        raise PermissionDenied(_("只能删除自己的评论或自己动态下的评论"))
    with transaction.atomic():
        comment.delete()
        recount_comments(post.pk)


def _visible_comment(actor: Actor, comment_id) -> Comment:
    comment = Comment.objects.select_related("post", "post__group").filter(pk=comment_id).first()
    if (comment is None or not selectors.can_see_post(actor, comment.post)
            or not selectors.comment_is_shown(actor, comment)):
        raise NotFound(_("评论不存在"), field="comment")
    return comment


def like_comment(*, actor: Actor, comment_id) -> Comment:
    actor.require_scope("feed:write")
    user = actor.require_user()
    comment = _visible_comment(actor, comment_id)
    require_not_blocked(user, comment.author, doing=_("点赞"), field="comment")
    hit(f"like:{user.pk}", limit=LIKES_PER_HOUR, window_s=3600)
    try:
        with transaction.atomic():
            CommentLike.objects.create(comment=comment, user=user)
            Comment.objects.filter(pk=comment.pk).update(like_count=F("like_count") + 1)
            notify(recipient_ids=[comment.author_id], kind=Notification.Kind.LIKED_COMMENT,
                   actor_id=user.pk, event_key=f"like:comment:{comment.pk}:{user.pk}",
                   target=comment.post, detail_id=comment.pk,
                   group_key=f"liked_comment:{comment.pk}")
    except IntegrityError:
        raise Conflict(_("已经赞过了"), field="comment") from None
    comment.refresh_from_db(fields=["like_count"])
    return comment


def unlike_comment(*, actor: Actor, comment_id) -> Comment:
    actor.require_scope("feed:write")
    user = actor.require_user()
    comment = Comment.objects.select_related("post").filter(pk=comment_id).first()
    if comment is None or not selectors.can_see_post(actor, comment.post):
        raise NotFound(_("评论不存在"), field="comment")
    with transaction.atomic():
        deleted, _details = CommentLike.objects.filter(comment=comment, user=user).delete()
        if not deleted:
            raise NotFound(_("你还没有赞过"), field="comment")
        Comment.objects.filter(pk=comment.pk).update(like_count=F("like_count") - 1)
    comment.like_count -= 1
    return comment
