"""Moving files stored before protection (`posts/<author>/<post>-<n>.png`,
`blobs/<sha256>`) to random names under `private/`.

Safe to stop and run again: each file is copied first, the row then points at the
copy in a transaction that checks it still named the old file (saved, so caches
that hold the name are told), and the old file is deleted only after that commits
and when no other row names it. A failure leaves the row on its old, still
working name (served by /files/, never by /media/).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.apps import apps
from django.db import models, transaction

from yiban_core.files.storage import PREFIX, protected_storage_instance


@dataclass(frozen=True)
class Outcome:
    model: str
    old: str
    new: str | None  # None: not moved (the file is missing or the row changed meanwhile)


def protected_fields() -> list[tuple[type[models.Model], models.FileField]]:
    return [(model, field) for model in apps.get_models() for field in model._meta.fields
            if isinstance(field, models.FileField)
            and getattr(field, "_storage_callable", None) is not None
            and field.storage is protected_storage_instance]


def _still_named(model, field, name: str, *, except_pk) -> bool:
    return model._default_manager.filter(**{field.name: name}).exclude(pk=except_pk).exists()


def _move(model, field, pk, old: str) -> str | None:
    storage = field.storage
    if not storage.exists(old):
        return None
    instance = model._default_manager.get(pk=pk)
    with storage.open(old, "rb") as content:
        new = storage.save(field.generate_filename(instance, PurePosixPath(old).name), content)
    with transaction.atomic():
        instance = model._default_manager.select_for_update().filter(pk=pk).first()
        if instance is None or getattr(instance, field.attname) != old:
            moved = False
        else:
            setattr(instance, field.attname, new)
            instance.save(update_fields=[field.name])
            moved = True
    if not moved:
        storage.delete(new)
        return None
    if not _still_named(model, field, old, except_pk=pk):
        storage.delete(old)
    return new


def rename_all(*, dry_run: bool = False) -> Iterator[Outcome]:
    for model, field in protected_fields():
        rows = (model._default_manager.exclude(**{f"{field.name}__startswith": PREFIX})
                .exclude(**{field.name: ""}).values_list("pk", field.attname).order_by("pk"))
        for pk, old in rows.iterator():
            label = model._meta.label
            if dry_run:
                yield Outcome(label, old, None)
            else:
                yield Outcome(label, old, _move(model, field, pk, old))
