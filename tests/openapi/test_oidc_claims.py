"""OpenID claims as the userinfo endpoint and the ID token carry them."""

import pytest
from oauthlib.common import Request

from openapi_plugins.oauth import PlatformValidator
from tests.factories import make_school, make_user, verify
from tests.openapi.helpers import make_user_app
from yiban_core.privacy.consent_services import record_app_consent

pytestmark = pytest.mark.django_db


def claims_of(user) -> dict:
    """As an app the person granted profile:verified on the consent page sees them."""
    app, _secret = make_user_app(scopes=("openid", "profile", "profile:verified"))
    record_app_consent(user=user, application=app.application)
    request = Request("https://yiban.example.edu.cn/o/userinfo/")
    request.user = user
    request.client = app.application
    return PlatformValidator().get_additional_claims(request)


def test_the_school_claim_is_the_schools_word_not_the_accounts():
    school = make_school("浙江大学")
    user = make_user("li_hua", school=school)  # picked the school itself
    claims = claims_of(user)
    assert claims["school"] is None and "verified" not in claims
    verify(user)
    claims = claims_of(user)
    assert claims["school"] == "浙江大学" and claims["verified"] is True
