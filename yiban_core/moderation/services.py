"""Screening what people write, and changing the sensitive-word lists.

`screen(field, text, school=...)` is the one call every service makes before it stores
text a person wrote (posts, comments, reviews, resource titles and descriptions, group
names and descriptions, display names, bios):

- `block`: Invalid on the field, so nothing is saved;
- `replace`: the text to save has each matched character starred;
- `review` and `flag` are reported in the verdict and not acted on yet: the review
  queue (issue 19, items 2 and 5) will hold and list them.

Whose list: the site's, plus the school's where the text is written: a group's school
for what is written in or about a group, else the writer's school.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yiban_core import events
from yiban_core.accounts.models import School
from yiban_core.actor import Actor, web_session_only
from yiban_core.errors import Invalid, PermissionDenied
from yiban_core.moderation import rules, targets, words
from yiban_core.moderation.models import (
    EXCERPT_MAX_LENGTH,
    Action,
    Case,
    CaseStatus,
    ContentState,
    SensitiveWord,
)
from yiban_core.moderation.normalise import fold, pinyin_of
from yiban_core.moderation.wordfile import read_word_file
from yiban_core.moderation.words import Verdict, check_text

BATCH = 1000


def screen(field: str, text: str, *, school=None) -> Verdict:
    """The verdict on a text about to be saved; its `.text` is what to save.
    Raises Invalid on `field` when a listed word blocks it."""
    verdict = check_text(text, school=school)
    if verdict.action == Action.BLOCK:
        raise Invalid(_("含有不允许发布的内容：%(words)s") % {
            "words": "、".join(verdict.words_with(Action.BLOCK))}, field=field)
    return verdict


def screened(field: str, text: str, *, school=None) -> str:
    """The text to save (see screen)."""
    return screen(field, text, school=school).text


def school_of(user, group=None) -> int | None:
    """The school whose list applies: the group's, else the writer's."""
    if group is not None and group.school_id is not None:
        return group.school_id
    return getattr(user, "school_id", None)


def derive(word: str) -> tuple[str, str]:
    """A listed word's folded form and pinyin; Invalid when nothing is left of it."""
    normalised = fold((word or "").strip())
    if not normalised:
        raise Invalid(_("敏感词不能只有空格或符号"), field="word")
    return normalised, pinyin_of(normalised)


@dataclass(frozen=True)
class ImportReport:
    created: int
    updated: int
    unchanged: int


@web_session_only(gettext_lazy("敏感词表只能在管理后台或命令行修改"))
def import_words(*, actor: Actor, data: bytes, school: School | None = None) -> ImportReport:
    """Load a word file (wordfile.py) into the site list or a school's: new words are added,
    listed ones take the file's action, words not in the file stay. All or nothing."""
    if not rules.may_edit_word_list(actor, school):
        raise PermissionDenied(_("只有站点管理员或该校管理员可以修改敏感词表"))
    lines = read_word_file(data)
    created = updated = 0
    with transaction.atomic():
        existing = {w.normalised: w for w in
                    SensitiveWord.objects.select_for_update().filter(school=school)}
        now = timezone.now()
        new, changed = [], []
        for line in lines:
            normalised = fold(line.word)
            row = existing.get(normalised)
            if row is None:
                new.append(SensitiveWord(word=line.word, normalised=normalised,
                                         pinyin=pinyin_of(normalised), action=line.action,
                                         school=school, created_by=actor.user))
            elif row.action != line.action:
                row.action, row.updated_at = line.action, now
                changed.append(row)
        SensitiveWord.objects.bulk_create(new, batch_size=BATCH)
        SensitiveWord.objects.bulk_update(changed, ["action", "updated_at"], batch_size=BATCH)
        created, updated = len(new), len(changed)
        transaction.on_commit(words.forget)  # bulk writes send no signal
    return ImportReport(created=created, updated=updated,
                        unchanged=len(lines) - created - updated)


# --- pre-moderation (先审后发) -------------------------------------------------------------


def hold(obj, *, origin: str):
    """Inside the caller's transaction: `obj`, a hideable row just saved (feeds and resources
    create it HELD), waits for a moderator: its state is HELD, its open case of `origin`
    (models.CaseOrigin) exists, and ContentHeld is sent (webhook content.held). Returns the
    case. Only its author and the case's moderators see it until the case is decided."""
    kind = targets.kind_of(obj)
    if obj.moderation != ContentState.HELD:
        targets.set_state(kind.model, obj.pk, ContentState.HELD)
        obj.moderation = ContentState.HELD
    content_type = ContentType.objects.get_for_model(kind.model)
    case = Case.objects.filter(target_type=content_type, target_id=obj.pk,
                               status=CaseStatus.OPEN).first()
    if case is None:
        case = Case.objects.create(
            target_type=content_type, target_id=obj.pk, author_id=kind.author_id(obj),
            group_id=kind.group_id(obj), school_id=kind.school_id(obj), origin=origin,
            excerpt=kind.excerpt(obj)[:EXCERPT_MAX_LENGTH])
    events.send(events.ContentHeld(case_id=case.pk))
    return case




@web_session_only(gettext_lazy("学校的先审后发设置只能在网页上修改"))
def set_school_premoderation(*, actor: Actor, school: School, enabled: bool) -> School:
    """Turn the school's default 先审后发 on or off (rules.premoderation_reason says what it
    covers): its administrators and site admins, in a web session."""
    if not rules.may_set_school_premoderation(actor, school):
        raise PermissionDenied(_("只有该校管理员可以修改学校的先审后发设置"))
    if not isinstance(enabled, bool):
        raise Invalid(_("先审后发的设置不正确"), field="enabled")
    School.objects.filter(pk=school.pk).update(premoderate_default=enabled)
    school.premoderate_default = enabled
    return school
