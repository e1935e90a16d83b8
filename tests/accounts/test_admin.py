import pytest
from django.contrib import admin
from django.urls import reverse

from tests.factories import agree_to_policies, make_class_group, make_teacher, make_user
from yiban_core.accounts.models import User

pytestmark = pytest.mark.django_db


def test_site_admin_can_browse_and_open_every_model_in_the_admin(client):
    site_admin = agree_to_policies(
        User.objects.create_superuser("root_admin", password="Xuexi-2026-ok"))
    assert site_admin.role == User.Role.ADMIN
    make_class_group(make_teacher())
    client.force_login(site_admin)
    for model in admin.site._registry:
        meta = model._meta
        changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        assert client.get(changelist).status_code == 200, changelist
        assert client.get(changelist, {"q": "计算机"}).status_code == 200, changelist
        obj = model.objects.first()
        if obj is not None:
            change = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
            assert client.get(change).status_code == 200, change


def test_students_are_kept_out_of_the_admin(client):
    client.force_login(make_user())
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
