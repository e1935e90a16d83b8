"""After seed_demo, a demo account that downloads a file resource sees its count move
on the resource page (once per person per day): the seeded history leaves today's
first download to the person trying the demo."""

import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from resources.demo import MARKER
from resources.models import Resource
from yiban_core.accounts.models import User
from yiban_core.demo.data import DEMO_LOGINS

pytestmark = pytest.mark.django_db


def shown_count(client, resource) -> int:
    page = client.get(reverse("resource_detail", args=[resource.pk])).content.decode()
    return int(re.search(r'class="downloads[^"]*">(\d+) ', page).group(1))


def download(client, resource) -> None:
    response = client.get(reverse("resource_download", args=[resource.pk]))
    assert response.status_code == 200
    b"".join(response.streaming_content)


def test_a_demo_account_download_moves_the_count_once(client):
    call_command("seed_demo", users=120, stdout=None)
    marker = Resource.objects.get(title=MARKER)
    for username in DEMO_LOGINS:
        client.force_login(User.objects.get(username=username))
        before = shown_count(client, marker)
        download(client, marker)
        assert shown_count(client, marker) == before + 1, username
        download(client, marker)
        assert shown_count(client, marker) == before + 1, username
