"""What each app stores about a person, how to export it, and how to erase it when the
account is cancelled (PIPL Arts. 44-47), as each app declares it: Moodle's Privacy API in
small.

An app declares its personal data in a module `personal_data.py` beside its models, and
its erasure in a module `erasure.py`; both are found at start (`autodiscover`):

    # feeds/personal_data.py
    declare(Declaration(
        app="feeds", title=_("动态与评论"),
        models=[Post, Comment, PostLike, ...],    # every model holding a person's data
        export=export_feeds,                      # (user) -> JSON-able dict
        files=post_images,                        # (user) -> [(name in the zip, FieldFile)]
    ))

    # feeds/erasure.py
    @erasure("feeds")
    def erase(user, keep_content: bool) -> None: ...

`export` returns what the person may take away, `files` the files they uploaded. An
erasure removes or anonymises everything the app holds about the person: with
`keep_content` their public words stay, shown as 已注销用户, else they are deleted.
tests/privacy/test_declarations.py fails when a model with a foreign key to the user is
in no declaration, or a declared app has no erasure.
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


_erasures: dict[str, Erase] = {}


def erasure(app: str) -> Callable[[Erase], Erase]:
    """Register `app`'s erasure: (user, keep_content) -> None, run in the transaction that
    carries out a cancellation."""
    def register(erase: Erase) -> Erase:
        if app in _erasures:
            raise ValueError(f"erasure of {app!r} registered twice")
        _erasures[app] = erase
        return erase
    return register


def erasures() -> dict[str, Erase]:
    return dict(_erasures)


def autodiscover() -> None:
    autodiscover_modules("personal_data")
    autodiscover_modules("erasure")
