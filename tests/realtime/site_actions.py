"""Run in a subprocess against a live site's database (DATABASE_URL, REDIS_URL from the
environment): `python tests/realtime/site_actions.py <action> '<json kwargs>'`.
Prints a JSON result. Queued tasks are run before it exits, as a worker would."""

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiban_core.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

from feeds import services as feeds  # noqa: E402
from tests.factories import actor_for, make_interest_group, make_user  # noqa: E402
from yiban_core.accounts.models import User  # noqa: E402


def session_for(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def seed():
    users = {name: make_user(name) for name in ("alice_li", "bob_wang", "carol_zhao")}
    for i in range(3):
        users[f"extra{i}"] = make_user(f"extra_{i}")
    post = feeds.publish_post(actor=actor_for(users["alice_li"]), text="周末一起去图书馆")
    club = make_interest_group(users["alice_li"], name="考研交流群", is_private=True)
    return {"users": {name: {"id": u.pk, "session": session_for(u)} for name, u in users.items()},
            "post_id": post.pk, "group_id": club.pk}


def like(*, username, post_id):
    user = User.objects.get(username=username)
    return {"like_count": feeds.like_post(actor=actor_for(user), post_id=post_id).like_count}


def comment(*, username, post_id, text):
    user = User.objects.get(username=username)
    return {"comment_id": feeds.add_comment(actor=actor_for(user), post_id=post_id, text=text).pk}


def follow(*, follower, followee):
    from yiban_core.accounts import services as accounts

    accounts.follow(actor=actor_for(User.objects.get(username=follower)), username=followee)
    return {}


def post(*, username, text):
    user = User.objects.get(username=username)
    return {"post_id": feeds.publish_post(actor=actor_for(user), text=text).pk}


if __name__ == "__main__":
    action, kwargs = sys.argv[1], json.loads(sys.argv[2] if len(sys.argv) > 2 else "{}")
    result = {"seed": seed, "like": like, "comment": comment, "follow": follow,
              "post": post}[action](**kwargs)
    call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)
    print(json.dumps(result))
