"""Run in a subprocess against a live site's database (DATABASE_URL from the
environment): `python tests/openapi/site_actions.py <action> '<json kwargs>'`.
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

from feeds import services as feeds  # noqa: E402
from tests.factories import (  # noqa: E402
    PASSWORD,
    actor_for,
    make_class_group,
    make_interest_group,
    make_school,
    make_teacher,
    make_user,
)
from tests.openapi.helpers import make_school_app, make_user_app  # noqa: E402
from yiban_core.accounts import services as accounts  # noqa: E402
from yiban_core.graphql.relay import global_id  # noqa: E402


def seed(*, redirect_uri, user_scopes, school_scopes):
    north, south = make_school("北方大学"), make_school("南方职业技术学院")
    student = make_user("li_hua", school=north)
    friend = make_user("wang_fang", school=north)
    accounts.follow(actor=actor_for(student), username="wang_fang")
    feeds.publish_post(actor=actor_for(friend), text="期末复习资料已经整理好了")
    club = make_interest_group(make_user("zhao_lei"), name="考研秘密小组", is_private=True)
    feeds.publish_post(actor=actor_for(club.owner), text="组内才能看的消息", group=club)
    south_class = make_class_group(make_teacher("teacher_south", school=south),
                                   name="数控技术2024级1班")
    north_class = make_class_group(make_teacher("teacher_north", school=north),
                                   name="软件工程2024级2班")
    user_app, _ = make_user_app(make_user("dev_one"), scopes=user_scopes,
                                redirect_uris=redirect_uri, confidential=False)
    # A user app with a server (confidential): it authenticates, so it may introspect.
    web_app, web_secret = make_user_app(make_user("dev_two"), scopes=user_scopes,
                                        redirect_uris=redirect_uri, name="学习网页版")
    school_app, school_secret = make_school_app(north, scopes=school_scopes)
    return {
        "password": PASSWORD, "student": "li_hua",
        "user_app": {"client_id": user_app.application.client_id},
        "web_app": {"client_id": web_app.application.client_id, "client_secret": web_secret},
        "school_app": {"client_id": school_app.application.client_id,
                       "client_secret": school_secret},
        "private_group": global_id("Group", club.pk),
        "south_class": global_id("Group", south_class.pk),
        "north_class": global_id("Group", north_class.pk),
    }


if __name__ == "__main__":
    action, kwargs = sys.argv[1], json.loads(sys.argv[2] if len(sys.argv) > 2 else "{}")
    result = {"seed": seed}[action](**kwargs)
    call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)
    print(json.dumps(result))
