"""Every change made in the admin site is in the audit log: adds, changes and deletes,
one by one or several at once, with the site admin, the row and the address; a word of a
school's list belongs to that school's log."""

from __future__ import annotations

import pytest
from django.urls import reverse

from yiban_core.audit.models import AuditEntry
from yiban_core.moderation.models import SensitiveWord

pytestmark = pytest.mark.django_db

ADD = reverse("admin:moderation_sensitiveword_add")
CHANGELIST = reverse("admin:moderation_sensitiveword_changelist")


@pytest.fixture
def admin_client(client, site_admin):
    client.force_login(site_admin)
    return client


def admin_entries():
    return list(AuditEntry.objects.filter(action__startswith="admin.").order_by("id"))


def test_adding_changing_and_deleting_a_word_are_each_recorded(admin_client, site_admin,
                                                               school):
    admin_client.post(ADD, {"word": "代考", "action": "block", "school": school.pk},
                      REMOTE_ADDR="10.8.8.8")
    word = SensitiveWord.objects.get()
    change = reverse("admin:moderation_sensitiveword_change", args=[word.pk])
    admin_client.post(change, {"word": "代考", "action": "review", "school": school.pk},
                      REMOTE_ADDR="10.8.8.8")
    delete = reverse("admin:moderation_sensitiveword_delete", args=[word.pk])
    admin_client.post(delete, {"post": "yes"}, REMOTE_ADDR="10.8.8.8")
    assert not SensitiveWord.objects.exists()
    entries = admin_entries()
    assert [e.action for e in entries] == ["admin.add", "admin.change", "admin.delete"]
    for entry in entries:
        assert (entry.actor, entry.ip, entry.school, entry.target_type, entry.target_id,
                entry.target_text) == (site_admin, "10.8.8.8", school,
                                       "moderation.sensitiveword", str(word.pk), "代考")
    assert "处理方式" in entries[1].detail["message"]  # what was changed, in words


def test_a_site_list_word_belongs_to_no_school(admin_client):
    admin_client.post(ADD, {"word": "枪支", "action": "block", "school": ""})
    assert admin_entries()[0].school is None


@pytest.mark.parametrize("how_many", [1, 3])
def test_deleting_selected_rows_records_each(admin_client, site_admin, school, how_many):
    words = [SensitiveWord.objects.create(word=f"词{i}", normalised=f"词{i}", school=school)
             for i in range(how_many)]
    response = admin_client.post(CHANGELIST, {
        "action": "delete_selected", "_selected_action": [w.pk for w in words],
        "post": "yes"})
    assert response.status_code == 302
    assert not SensitiveWord.objects.exists()
    entries = admin_entries()
    assert [e.action for e in entries] == ["admin.delete"] * how_many
    assert {e.target_id for e in entries} == {str(w.pk) for w in words}
    assert {(e.actor, e.school) for e in entries} == {(site_admin, school)}


def test_a_delete_not_yet_confirmed_records_nothing(admin_client):
    words = [SensitiveWord.objects.create(word=f"词{i}", normalised=f"词{i}") for i in range(2)]
    page = admin_client.post(CHANGELIST, {"action": "delete_selected",
                                          "_selected_action": [w.pk for w in words]})
    assert page.status_code == 200  # the confirmation page
    assert SensitiveWord.objects.count() == 2 and not admin_entries()
