"""manage.py import_sensitive_words FILE [--school ID]: load a word file (see
yiban_core/moderation/wordfile.py) into the site list, or a school's list."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from yiban_core.accounts.models import School, User
from yiban_core.actor import Actor
from yiban_core.errors import DomainError
from yiban_core.moderation.services import import_words


class Command(BaseCommand):
    help = ("Import sensitive words: UTF-8, one a line, `word` or `word<TAB>action` "
            "(block, review, replace, flag); all or nothing.")

    def add_arguments(self, parser):
        parser.add_argument("file", help="the word file (UTF-8)")
        parser.add_argument("--school", type=int, default=None,
                            help="the school's id (default: the site list)")

    def handle(self, *args, file, school=None, **options):
        target = None
        if school is not None:
            target = School.objects.filter(pk=school).first()
            if target is None:
                raise CommandError(f"no school with id {school}")
        # Run as the site: the operator of manage.py has every right a site admin has.
        admin = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
        if admin is None:
            raise CommandError("the site has no superuser to import as (manage.py createsuperuser)")
        try:
            with open(file, "rb") as handle:
                data = handle.read(settings.MODERATION_WORD_FILE_MAX_BYTES + 1)
        except OSError as error:
            raise CommandError(f"cannot read {file}: {error.strerror}") from None
        try:
            report = import_words(actor=Actor(user=admin), data=data, school=target)
        except DomainError as error:
            raise CommandError(f"{file}: {error.message} (nothing imported)") from None
        where = target.name if target else "site list"
        self.stdout.write(f"{where}: created {report.created}, updated {report.updated}, "
                          f"unchanged {report.unchanged}")
