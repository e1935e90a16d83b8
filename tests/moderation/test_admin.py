"""The word lists in the admin site: a word is stored folded, a duplicate is a form error."""

import pytest
from django.urls import reverse

from tests.factories import agree_to_policies
from yiban_core.accounts.models import User
from yiban_core.moderation.models import SensitiveWord
from yiban_core.moderation.words import check_text

pytestmark = pytest.mark.django_db
ADD = reverse("admin:moderation_sensitiveword_add")


@pytest.fixture
def site_admin(client):
    admin = agree_to_policies(User.objects.create_superuser("root_admin",
                                                            password="Xuexi-2026-ok"))
    client.force_login(admin)
    return admin


def test_a_word_added_in_the_admin_is_folded_and_matches_at_once(client, site_admin):
    response = client.post(ADD, {"word": "代 考", "action": "replace", "school": ""})
    assert response.status_code == 302
    word = SensitiveWord.objects.get()
    assert (word.normalised, word.pinyin, word.created_by) == ("代考", "daikao", site_admin)
    assert check_text("找人代考").text == "找人**"


def test_the_same_word_twice_or_only_symbols_is_a_form_error(client, site_admin):
    client.post(ADD, {"word": "代考", "action": "block", "school": ""})
    for word in ["代·考", "★ ★"]:
        response = client.post(ADD, {"word": word, "action": "block", "school": ""})
        assert response.status_code == 200 and "errornote" in response.content.decode()
    assert SensitiveWord.objects.count() == 1
