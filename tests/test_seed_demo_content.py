"""manage.py seed_demo: the apps' demo content (posts, comments, resources, points)."""

import re
from collections import defaultdict
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count, F
from django.urls import reverse
from django.utils import timezone

from classroom.demo import MARKER as OPEN_CHECKIN
from classroom.models import Attendance, Checkin
from feeds.demo_polls import OPEN_POLL
from feeds.models import AnnouncementRead, Comment, Poll, PollBallot, Post, PostLike, Topic
from feeds.selectors import home_timeline
from messages.models import Conversation, Message
from resources import files
from resources.demo import MARKER
from resources.models import Blob, Download, Rating, Resource
from tests.conftest import DEMO_STUDENTS
from tests.factories import agree_to_policies
from yiban_core.accounts.models import User
from yiban_core.actor import Actor
from yiban_core.credits.models import PointBalance, PointEntry
from yiban_core.demo.data import DEMO_LOGINS, DEMO_STUDENT, DEMO_TEACHER
from yiban_core.notifications.models import Notification

pytestmark = pytest.mark.django_db


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", users=DEMO_STUDENTS, stdout=out)
    return out.getvalue()


def shown_count(client, resource) -> int:
    page = client.get(reverse("resource_detail", args=[resource.pk])).content.decode()
    return int(re.search(r'class="downloads[^"]*">(\d+) ', page).group(1))


def download(client, resource) -> None:
    response = client.get(reverse("resource_download", args=[resource.pk]))
    assert response.status_code == 200
    b"".join(response.streaming_content)


def counts() -> dict:
    return {model.__name__: model.objects.count() for model in (
        Post, Comment, PostLike, Topic, Notification, Resource, Rating, Download, Blob,
        PointEntry, Message, Conversation, Checkin, Attendance, Poll, PollBallot,
        AnnouncementRead)}


def messages_badge(client) -> int:
    page = client.get(reverse("home")).content.decode()
    badge = re.search(r"<span class=\"badge\" data-unread-messages-badge[^>]*>(\d*)<", page)
    return int(badge.group(1) or 0)


@pytest.mark.usefixtures("demo_db")
class TestOneDemo:
    """These read (and may change, in their own transaction) one demo seeded for all."""

    def test_content_is_alive_consistent_and_idempotent(self, demo_db):
        out = demo_db
        assert "动态 feeds" in out and "资源 resources" in out
        assert "私信 messages" in out and "签到 classroom" in out
        student = User.objects.get(username=DEMO_STUDENT)
        teacher = User.objects.get(username=DEMO_TEACHER)
        assert Post.objects.count() >= 40 and Comment.objects.filter(parent__isnull=False).exists()
        assert Post.objects.filter(is_repost=True).exists()
        assert Post.objects.filter(author=teacher, pinned_at__isnull=False).exists()
        assert Topic.objects.filter(name="期末复习", post_count__gt=0).exists()
        page = home_timeline(actor=Actor.for_user(student), first=50)
        assert len(page.items) >= 20
        assert Notification.objects.filter(recipient=student).count() >= 5
        assert Notification.objects.filter(recipient=student, kind="mentioned").exists()
        # Counters match the rows; created_at grows with the id.
        posts = Post.objects.annotate(n_likes=Count("likes", distinct=True),
                                      n_comments=Count("comments", distinct=True))
        assert not posts.exclude(like_count=F("n_likes"), comment_count=F("n_comments"))
        times = list(Post.objects.order_by("pk").values_list("created_at", flat=True))
        assert times == sorted(times) and times[-1] - times[0] > timedelta(
            days=7)
        # Resources: files of real types, links, courses, ratings, downloads; points.
        assert Resource.objects.filter(kind="link").exists()
        assert {"application/pdf", "text/plain", "image/png"} <= set(
            Blob.objects.values_list("content_type", flat=True))
        pdf = Blob.objects.filter(content_type="application/pdf").first()
        with pdf.file.open("rb") as handle:
            assert handle.read(5) == b"%PDF-"
            assert files.detect_type(handle) == "application/pdf"
        assert Resource.objects.filter(course__code="MA101").exists()
        assert Rating.objects.exclude(review="").exists()
        rated = Resource.objects.annotate(n_ratings=Count("ratings"))
        assert not rated.exclude(rating_count=F("n_ratings"))
        assert Download.objects.exists() and PointEntry.objects.exists()
        assert PointBalance.objects.filter(total__gt=0).count() >= 10

        # Chat, roll calls and polls were played through their services, in time order.
        assert Message.objects.count() >= 100
        assert Conversation.objects.filter(kind="direct").count() >= 10
        times = list(Message.objects.order_by("pk").values_list("created_at", flat=True))
        assert times == sorted(times) and times[-1] <= timezone.now()
        past = Checkin.objects.filter(closed_at__isnull=False)
        assert past.count() >= 2
        statuses = set(Attendance.objects.filter(checkin__in=past).values_list("status",
                                                                              flat=True))
        assert {"present", "late", "absent"} <= statuses
        assert Poll.objects.filter(closed_at__isnull=False, voter_count__gt=0).exists()
        assert AnnouncementRead.objects.exists()

        before = counts()
        again = seed()
        assert again.count("nothing added") == 4
        assert counts() == before


    def test_no_post_is_repeated_word_for_word(self):
        authors_of = defaultdict(set)
        for author, text in Post.objects.exclude(text="").values_list("author_id", "text"):
            authors_of[text].add(author)
        repeated = {text: authors for text, authors in authors_of.items() if len(authors) > 1}
        assert not repeated
        # Reworded, a post still carries its topics: they are what the topic pages list.
        tagged = Post.objects.filter(text__contains="#期末复习#")
        assert tagged.count() >= 5
        assert set(tagged.values_list("pk", flat=True)) == set(
            Post.objects.filter(topic_links__topic__name="期末复习").values_list("pk", flat=True))

    def test_a_demo_account_download_moves_the_count_once(self, client):
        """The seeded history leaves today's first download of a resource to the person
        trying the demo: it moves the count on the resource page, once per person per day."""
        marker = Resource.objects.get(title=MARKER)
        for username in DEMO_LOGINS:
            # A demo login agrees to the terms on its first page, as anyone would.
            client.force_login(agree_to_policies(User.objects.get(username=username)))
            before = shown_count(client, marker)
            download(client, marker)
            assert shown_count(client, marker) == before + 1, username
            download(client, marker)
            assert shown_count(client, marker) == before + 1, username

    def test_demo_student_has_chats_a_check_in_and_a_poll_to_try(self, client):
        """Logged in as demo_student: unread messages on the 私信 badge, an inbox with
        classmates and the class chat, a message request; an open check-in she can do from
        any browser; an open poll she has not voted on yet."""
        student = User.objects.get(username=DEMO_STUDENT)
        client.force_login(student)
        assert messages_badge(client) > 0
        inbox = client.get(reverse("messages_inbox")).content.decode()
        assert inbox.count("data-conversation-id=") >= 5
        checkin = Checkin.objects.get(title=OPEN_CHECKIN)
        assert checkin.group.name in inbox  # the class chat
        assert 'data-testid="requests-link"' in inbox
        requests = client.get(reverse("messages_requests")).content.decode()
        assert requests.count("data-conversation-id=") == 1
        # Reading the unread conversations clears the badge.
        unread = student.conversation_seats.filter(unread_count__gt=0)
        for pk in unread.values_list("conversation_id", flat=True):
            assert client.get(reverse("conversation", args=[pk])).status_code == 200
        assert messages_badge(client) == 0

        page = client.get(reverse("group_checkins", args=[checkin.group_id])).content.decode()
        assert OPEN_CHECKIN in page and "进行中" in page
        assert not checkin.records.filter(user=student).exists()
        submit = reverse("checkin_submit", args=[checkin.pk])
        assert submit in client.get(reverse("checkin_detail", args=[checkin.pk])).content.decode()
        client.post(submit)
        assert checkin.records.get(user=student).status == Attendance.Status.PRESENT

        poll = Poll.objects.get(post__text=OPEN_POLL[0], closed_at__isnull=True)
        assert not PollBallot.objects.filter(poll=poll, user=student).exists()
        post_page = client.get(reverse("post_detail", args=[poll.post_id])).content.decode()
        assert post_page.count('data-testid="poll-option"') == len(OPEN_POLL[1])
        voters = poll.voter_count
        client.post(reverse("post_vote", args=[poll.post_id]),
                    {"option": [poll.options.first().pk]})
        poll.refresh_from_db()
        assert poll.voter_count == voters + 1
