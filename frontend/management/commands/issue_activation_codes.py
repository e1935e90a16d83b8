"""manage.py issue_activation_codes --school <id or name> [--only-unclaimed] [--days N]
--out FILE: activation codes for a school's members nobody ever signed in as, written as
the school page's CSV (学号, 姓名, 激活码; UTF-8 with BOM). Lives with the pages because
the spreadsheet rules (frontend/csv_export.py) live here."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from frontend.views.claim import codes_csv_text
from yiban_core.accounts.models import School, User
from yiban_core.actor import Actor
from yiban_core.errors import DomainError
from yiban_core.verification import services


class Command(BaseCommand):
    help = ("Issue one-time activation codes for a school's roster accounts that were never "
            "signed in to, and write them as CSV (学号, 姓名, 激活码).")

    def add_arguments(self, parser):
        parser.add_argument("--school", required=True, help="the school's id or name")
        parser.add_argument("--only-unclaimed", action="store_true",
                            help="only members not holding a code that still works "
                                 "(default: every member not yet claimed; earlier codes stop "
                                 "working)")
        parser.add_argument("--days", type=int, default=services.ACTIVATION_CODE_DAYS,
                            help="days the codes stay valid (default 30)")
        parser.add_argument("--out", required=True, help="the CSV file to write")

    def handle(self, *args, school, only_unclaimed, days, out, **options):
        query = Q(name=school) | Q(short_name=school)
        if school.isdigit():
            query |= Q(pk=int(school))
        found = School.objects.filter(query).first()
        if found is None:
            raise CommandError(f"no school {school!r}")
        path = Path(out)
        if not path.parent.is_dir():
            raise CommandError(f"no folder {path.parent}")
        # Run as the site: the operator of manage.py has every right a site admin has.
        admin = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
        admin = admin or found.administrators.filter(is_active=True).order_by("pk").first()
        if admin is None:
            raise CommandError("the school has no administrator and the site no superuser")
        try:
            issued = services.issue_activation_codes(actor=Actor(user=admin), school=found,
                                                     only_unclaimed=only_unclaimed,
                                                     valid_days=days)
        except DomainError as error:
            raise CommandError(error.message) from None
        # Not readable by others: the file holds working codes.
        path.touch(mode=0o600, exist_ok=True)
        path.write_text(codes_csv_text(issued), encoding="utf-8")
        self.stdout.write(f"{len(issued)} activation codes for {found.name} -> {path}")
