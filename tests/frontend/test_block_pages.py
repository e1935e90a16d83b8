"""The 拉黑 button on a person's page, and the settings section listing whom I block."""

import pytest
from django.urls import reverse

from feeds import services as feed_services
from tests.factories import actor_for, make_user
from yiban_core.accounts.models import Block

pytestmark = pytest.mark.django_db


def test_block_and_unblock_from_the_profile_page(client):
    me, rude = make_user("me_student"), make_user("rude_one", display_name="赵强")
    feed_services.publish_post(actor=actor_for(rude), text="今天的广告")
    client.force_login(me)
    profile = reverse("profile", args=["rude_one"])
    page = client.get(profile).content.decode()
    assert reverse("block", args=["rude_one"]) in page and "今天的广告" in page

    response = client.post(reverse("block", args=["rude_one"]), follow=True)
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == profile
    assert "已拉黑" in page
    assert reverse("unblock", args=["rude_one"]) in page  # the button turned to 取消拉黑
    assert reverse("follow", args=["rude_one"]) not in page
    assert "今天的广告" not in page and "你已拉黑 TA" in page
    assert Block.objects.filter(blocker=me, blocked=rude).exists()

    client.post(reverse("unblock", args=["rude_one"]))
    assert not Block.objects.exists()
    assert "今天的广告" in client.get(profile).content.decode()


def test_the_blocked_person_sees_the_refusal_on_the_page(client):
    me, rude = make_user("me_student"), make_user("rude_one")
    Block.objects.create(blocker=me, blocked=rude)
    client.force_login(rude)
    response = client.post(reverse("follow", args=["me_student"]), follow=True)
    assert "对方已将你拉黑" in response.content.decode()


def test_settings_list_whom_i_block_with_unblock_buttons(client):
    me = make_user("me_student")
    for name in ("spam_one", "spam_two"):
        Block.objects.create(blocker=me, blocked=make_user(name))
    Block.objects.create(blocker=make_user("other_one"), blocked=me)  # not mine to list
    client.force_login(me)
    overview = client.get(reverse("settings")).content.decode()
    assert reverse("settings_blocked") in overview and "你拉黑了 2 个人" in overview
    page = client.get(reverse("settings_blocked")).content.decode()
    assert page.index("spam_two") < page.index("spam_one")  # the latest first
    assert "other_one" not in page
    assert reverse("unblock", args=["spam_one"]) in page
    response = client.post(reverse("unblock", args=["spam_one"]),
                           {"next": reverse("settings_blocked")})
    assert response.url == reverse("settings_blocked")
    assert "spam_one" not in client.get(reverse("settings_blocked")).content.decode()


def test_anonymous_visitors_are_sent_to_log_in(client):
    make_user("rude_one")
    assert client.post(reverse("block", args=["rude_one"])).status_code == 302
    assert client.get(reverse("settings_blocked")).status_code == 302
    assert not Block.objects.exists()
