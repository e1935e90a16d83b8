"""Run in a subprocess against the identity provider's database (a second copy of this
site, whose /o/ plays a school's OIDC provider): `python tests/sso/idp_actions.py seed
'<json kwargs>'`. Prints a JSON result."""

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiban_core.settings")

import django  # noqa: E402

django.setup()

from tests.factories import PASSWORD, make_school, make_user, verify  # noqa: E402
from tests.openapi.helpers import make_user_app  # noqa: E402


def seed(*, redirect_uris):
    """The school's own people, verified by it (the claim `member_number` carries the
    工号/学号 under `profile:verified`), and the site registered as a confidential app."""
    school = make_school("东方大学（身份认证）")
    verify(make_user("chen_jing", school=school, display_name="陈静"), "E2024001")
    verify(make_user("liu_yang", school=school, display_name="刘洋"), "E2024002")
    app, secret = make_user_app(make_user("idp_admin"), name="易班学习网",
                                scopes=["openid", "profile", "profile:verified"],
                                redirect_uris=" ".join(redirect_uris))
    return {"password": PASSWORD, "client_id": app.application.client_id,
            "client_secret": secret}


if __name__ == "__main__":
    action, kwargs = sys.argv[1], json.loads(sys.argv[2] if len(sys.argv) > 2 else "{}")
    print(json.dumps({"seed": seed}[action](**kwargs)))
