"""@mentions by name: typed @李月婷, chosen in the autocomplete, and what pages show."""

import pytest
from django.urls import reverse

from feeds import services
from feeds.models import Mention
from tests.factories import actor_for, make_interest_group, make_school, make_user
from yiban_core.accounts import services as account_services
from yiban_core.groups import services as group_services
from yiban_core.notifications.models import Notification

pytestmark = pytest.mark.django_db(transaction=True)


def publish(user, text, **kwargs):
    return services.publish_post(actor=actor_for(user), text=text, **kwargs)


def page_of(client, user, post):
    client.force_login(user)
    return client.get(reverse("post_detail", args=[post.pk])).content.decode()


def mention_link(user, words):
    return f'<a class="mention" href="/u/{user.username}/">@{words}</a>'


def test_typed_chinese_name_of_one_known_person_links_and_notifies(no_redis, run_worker, client):
    school = make_school()
    author = make_user("author", school=school)
    liyueting = make_user("lyt2023", school=school, display_name="李月婷")
    make_user("stranger", display_name="李月")  # another school: not who the author means
    post = publish(author, "@李月婷明天一起去图书馆吗？")
    run_worker()
    note = Notification.objects.get(kind=Notification.Kind.MENTIONED)
    assert note.recipient == liyueting
    assert list(Mention.objects.values_list("user_id", flat=True)) == [liyueting.pk]
    html = page_of(client, author, post)
    assert mention_link(liyueting, "李月婷") + "明天一起去图书馆吗？" in html


def test_typed_name_of_two_known_people_stays_text(no_redis, run_worker, client):
    school = make_school()
    author = make_user("author", school=school)
    make_user("lyt_a", school=school, display_name="李月婷")
    followed = make_user("lyt_b", display_name="李月婷")
    account_services.follow(actor=actor_for(author), username=followed.username)
    post = publish(author, "@李月婷 你好")
    run_worker()
    assert not Notification.objects.filter(kind=Notification.Kind.MENTIONED).exists()
    assert not Mention.objects.exists()
    html = page_of(client, author, post)
    assert "@李月婷 你好" in html and 'class="mention"' not in html


def test_name_of_someone_the_author_does_not_know_stays_text(no_redis, run_worker):
    author = make_user("author", school=make_school())
    make_user("far_away", school=make_school(), display_name="张书恒")
    publish(author, "@张书恒 在吗")
    run_worker()
    assert not Notification.objects.exists()


def test_chosen_person_is_mentioned_even_with_a_namesake(no_redis, run_worker, client):
    """The autocomplete sends the id of the 李月婷 picked: she alone is notified."""
    school = make_school()
    author = make_user("author", school=school)
    make_user("lyt_a", school=school, display_name="李月婷")
    chosen = make_user("lyt_b", school=school, display_name="李月婷")
    post = publish(author, "@李月婷 看这里", mention_ids=[str(chosen.pk)])
    run_worker()
    assert list(Notification.objects.values_list("recipient_id", flat=True)) == [chosen.pk]
    assert mention_link(chosen, "李月婷") in page_of(client, author, post)


def test_a_chosen_id_not_written_in_the_text_mentions_nobody(no_redis, run_worker):
    author, other = make_user("author"), make_user("other", display_name="王五")
    publish(author, "今天天气不错", mention_ids=[other.pk])
    run_worker()
    assert not Notification.objects.exists()


def test_mention_survives_a_display_name_change(no_redis, client):
    school = make_school()
    author = make_user("author", school=school)
    liyueting = make_user("lyt2023", school=school, display_name="李月婷")
    post = publish(author, "谢谢 @李月婷 的笔记")
    account_services.update_profile(actor=actor_for(liyueting), display_name="李月婷婷")
    make_user("newcomer", school=school, display_name="李月婷")  # a namesake arrives
    assert mention_link(liyueting, "李月婷") + " 的笔记" in page_of(client, author, post)


def test_comment_mentions_by_name(no_redis, run_worker, client):
    school = make_school()
    author = make_user("author", school=school)
    friend = make_user("friend", school=school, display_name="张书恒")
    post = publish(author, "周末去爬山")
    services.add_comment(actor=actor_for(author), post_id=post.pk, text="@张书恒 一起？")
    run_worker()
    assert Notification.objects.get(kind=Notification.Kind.MENTIONED).recipient == friend
    assert mention_link(friend, "张书恒") in page_of(client, author, post)


def test_group_members_are_known_by_name(no_redis, run_worker):
    author, member = make_user("author"), make_user("member", display_name="周杰")
    group = make_interest_group(author)
    group_services.join_group(actor=actor_for(member), group=group)
    publish(author, "@周杰 来群里看看")
    run_worker()
    assert Notification.objects.get(kind=Notification.Kind.MENTIONED).recipient == member


def test_home_timeline_from_redis_cards_links_the_mention(redis_timelines, run_worker, client):
    """A warm home page is read from cards (feeds/cards.py): the links come with the post."""
    school = make_school()
    author = make_user("author", school=school)
    liyueting = make_user("lyt2023", school=school, display_name="李月婷")
    publish(author, "@李月婷 借我笔记")
    run_worker()
    client.force_login(author)
    for _ in range(2):  # the second read is from the cards the first one filled
        html = client.get(reverse("home")).content.decode()
        assert mention_link(liyueting, "李月婷") + " 借我笔记" in html
