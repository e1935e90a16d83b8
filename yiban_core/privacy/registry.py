"""What each app stores about a person, and how to export and erase it (PIPL Arts. 44-47),
as each app declares it: Moodle's Privacy API in small.

An app declares its personal data in a module `personal_data.py` beside its models, found
at start (`autodiscover`):

    from yiban_core.privacy.registry import Declaration, declare

    declare(Declaration(
        app="feeds", title=_("动态与评论"),
        models=[Post, Comment, PostLike, ...],    # every model holding a person's data
        export=export_feeds,                      # (user) -> JSON-able dict
        files=post_images,                        # (user) -> [(name in the zip, FieldFile)]
        erase=erase_feeds,                        # (user, keep_content: bool) -> None
    ))

`export` returns what the person may take away; `files` the files they uploaded; `erase`
removes or anonymises everything the app holds about them when their account is
cancelled: with `keep_content` their public words stay, shown as 已注销用户, else they
are deleted. tests/privacy/test_declarations.py fails when a model with a foreign key to
the user is in no declaration.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db.models import Model
from django.utils.module_loading import autodiscover_modules

Export = Callable[[object], dict]
Files = Callable[[object], Iterable[tuple[str, object]]]
Erase = Callable[[object, bool], None]


@dataclass(frozen=True)
class Declaration:
    app: str  # a short name, the export's file name: "feeds" -> feeds.json
    title: str  # what the person reads in the export's index
    models: list[type[Model]]
    export: Export
    erase: Erase
    files: Files | None = None
    # Models that hold a user key but no one's personal data of their own (a counter, a
    # link owned by another declaration): named, so the coverage test knows it was thought of.
    not_personal: list[type[Model]] = field(default_factory=list)


_declarations: dict[str, Declaration] = {}


def declare(declaration: Declaration) -> None:
    if declaration.app in _declarations:
        raise ValueError(f"personal data of {declaration.app!r} declared twice")
    _declarations[declaration.app] = declaration


def declarations() -> list[Declaration]:
    return list(_declarations.values())


def autodiscover() -> None:
    autodiscover_modules("personal_data")
