"""manage.py import_oneroster <folder-or-zip> --school <id or name> --org <org sourcedId>
[--as-of YYYY-MM-DD] [--dry-run]"""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from openapi_plugins.academic_affairs import oneroster, services
from yiban_core.accounts.models import School, User
from yiban_core.actor import Actor
from yiban_core.errors import DomainError


class Command(BaseCommand):
    help = "Import a OneRoster 1.1/1.2 bulk export (a folder or a zip of CSV files) into a school."

    def add_arguments(self, parser):
        parser.add_argument("source", help="a folder of CSV files, or a zip of them")
        parser.add_argument("--school", required=True, help="the school's id or name")
        parser.add_argument("--org", default="",
                            help="sourcedId of the school-type org that is this school "
                                 "(optional when the export has one school)")
        parser.add_argument("--as-of", type=date.fromisoformat, default=None,
                            help="read the export as of this day (default today): "
                                 "enrolments that ended before it end")
        parser.add_argument("--dry-run", action="store_true",
                            help="only say what the import would do; change nothing")

    def handle(self, *args, source, school, org, as_of=None, dry_run=False, **options):
        query = Q(name=school) | Q(short_name=school)
        if school.isdigit():
            query |= Q(pk=int(school))
        found = School.objects.filter(query).first()
        if found is None:
            raise CommandError(f"no school {school!r}")
        # Run as the site: the operator of manage.py has every right a site admin has.
        admin = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
        admin = admin or found.administrators.filter(is_active=True).order_by("pk").first()
        if admin is None:
            raise CommandError("the school has no administrator and the site no superuser")
        try:
            roster = oneroster.read_roster(source)
            if not org:
                schools = oneroster.schools_in(roster)
                if len(schools) != 1:
                    raise CommandError("--org is required; schools in the export: "
                                       + ", ".join(f"{sid} ({name})" for sid, name in schools))
                org = schools[0][0]
            report = services.import_oneroster(actor=Actor(user=admin), school=found,
                                               roster=roster, org_sourced_id=org,
                                               as_of=as_of, dry_run=dry_run)
        except DomainError as error:
            raise CommandError(error.message) from None
        done = "dry run, nothing changed" if dry_run else f"sync run {report.run.pk}"
        self.stdout.write(f"OneRoster {roster.version} -> {found.name} (org {org}), {done}")
        self.stdout.write(f"created {report.created}, updated {report.updated}, "
                          f"removed {report.removed}, unchanged {report.unchanged}, "
                          f"rejected {len(report.rejected)}")
        for note in report.notes:
            self.stdout.write(f"  {note}")
        if report.skipped:
            self.stdout.write(f"other schools' rows, skipped: {len(report.skipped)}")
        for row in report.rejected:
            self.stdout.write(f"  {row.get('file', '')}:{row.get('line', '')} "
                              f"{row.get('sourcedId', '')}: {row['reason']}")
