"""What a person sees of points: their balance and history, and the people boards."""

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from yiban_core.accounts.models import User
from yiban_core.actor import Actor
from yiban_core.credits import boards
from yiban_core.credits.models import PointBalance, PointEntry
from yiban_core.credits.windows import WINDOWS
from yiban_core.errors import Invalid
from yiban_core.groups.models import Group
from yiban_core.groups.rules import require_content_access


def balance(*, actor: Actor) -> int:
    actor.require_scope("profile")
    user = actor.require_user()
    return PointBalance.objects.filter(user=user).values_list("total", flat=True).first() or 0


def history(*, actor: Actor) -> QuerySet[PointEntry]:
    """The caller's ledger, newest first: every award and deduction with its reason."""
    actor.require_scope("profile")
    user = actor.require_user()
    return PointEntry.objects.filter(user=user).order_by("-pk")


def _check_window(window: str) -> None:
    if window not in WINDOWS:
        raise Invalid(_("时间范围只能是 day、week、month 或 all"), field="window")


# What a board row shows of a person (frontend/points/_people_board.html, the avatar tag).
BOARD_ROW_FIELDS = ("username", "display_name", "verified_at", "is_active", "school__name",
                    "school__short_name", "profile__avatar", "profile__birth_date",
                    "profile__minor_by_school")


def people_board(*, actor: Actor, window: str = "all", school=None, group: Group | None = None,
                 count: int = 100) -> dict:
    """The top `count` people and, for a logged-in viewer, their own rank and points."""
    board = people_ranking(actor=actor, window=window, school=school, group=group, count=count)
    users = User.objects.select_related("profile", "school").in_bulk(
        [r.user_id for r in board["ranked"]])
    return {"rows": [(r, users[r.user_id]) for r in board["ranked"] if r.user_id in users],
            "viewer_rank": board["viewer_rank"], "viewer_points": board["viewer_points"]}


def people_ranking(*, actor: Actor, window: str = "all", school=None,
                   group: Group | None = None, count: int = 100) -> dict:
    """`people_board` with the ranked people as ids (`ranked`): `board_people` reads them
    when they are to be shown."""
    _check_window(window)
    if group is not None:  # a private group's members are for its members only
        require_content_access(actor, group)
    count = max(1, min(count, 100))
    scope = {"school_id": school.pk if school else None, "group_id": group.pk if group else None}
    mine = None
    if actor.user is not None:
        mine = boards.rank_of(user_id=actor.user.pk, window=window, **scope)
    return {"ranked": boards.top(window=window, count=count, **scope),
            "viewer_rank": mine[0] if mine else None, "viewer_points": mine[1] if mine else 0}


def board_people(user_ids: list[int]) -> dict[int, User]:
    """The people of a ranking by id, with what a board row shows and nothing else (the
    page's board; the API reads whole people)."""
    return (User.objects.select_related("profile", "school").only(*BOARD_ROW_FIELDS)
            .in_bulk(user_ids))
