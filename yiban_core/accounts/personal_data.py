"""What accounts keep about a person: the account (never the password hash), the profile
and avatar, whom they follow, who follows them (public lists), whom they blocked (who
blocked them is the other person's business), the schools they administer."""

from django.utils.translation import gettext_lazy as _

from yiban_core.accounts.models import Block, Follow, Profile, User
from yiban_core.privacy.registry import Declaration, declare
from yiban_core.privacy.shapes import file_name, iso, name_of, rows


def _avatar_name(profile: Profile) -> str:
    return file_name("accounts/avatar", profile.avatar.name)


def _person(user) -> dict:
    return {"username": user.username, "display_name": name_of(user)}


def export(user) -> dict:
    profile = Profile.objects.filter(user=user).first()
    return {
        "account": {
            "username": user.username, "display_name": user.display_name,
            "email": user.email, "role": user.get_role_display(),
            "school": user.school.name if user.school_id else None,
            "member_number": user.member_number, "verified_at": iso(user.verified_at),
            "date_joined": iso(user.date_joined), "last_login": iso(user.last_login),
            "is_active": user.is_active,
        },
        "profile": None if profile is None else {
            "bio": profile.bio, "major": profile.major,
            "enrolment_year": profile.enrolment_year,
            "birth_date": iso(profile.birth_date), "minor_by_school": profile.minor_by_school,
            "avatar": _avatar_name(profile) if profile.avatar else None,
        },
        "following": rows(Follow.objects.filter(follower=user).select_related("followee")
                          .order_by("pk"),
                          lambda follow: {**_person(follow.followee),
                                          "since": iso(follow.created_at)}),
        "followers": rows(Follow.objects.filter(followee=user).select_related("follower")
                          .order_by("pk"),
                          lambda follow: {**_person(follow.follower),
                                          "since": iso(follow.created_at)}),
        "blocked": rows(Block.objects.filter(blocker=user).select_related("blocked")
                        .order_by("pk"),
                        lambda block: {**_person(block.blocked), "since": iso(block.created_at)}),
        "schools_administered": [school.name for school in user.administered_schools.all()],
    }


def files(user):
    profile = Profile.objects.filter(user=user).first()
    if profile is not None and profile.avatar:
        yield _avatar_name(profile), profile.avatar


declare(Declaration(app="accounts", title=_("账号与个人资料"),
                    models=[User, Profile, Follow, Block], export=export, files=files))
