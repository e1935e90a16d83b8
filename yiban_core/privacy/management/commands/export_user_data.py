"""manage.py export_user_data USERNAME --out FILE: the archive 下载我的数据 builds, written
to a file, for a request made outside the site (a letter to the school, a regulator)."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from yiban_core.privacy.archive import write_archive


class Command(BaseCommand):
    help = "Write a person's data archive (the same zip as 下载我的数据) to a file."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--out", required=True, help="the zip file to write")

    def handle(self, *args, username: str, out: str, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user named {username!r}")
        path = Path(out)
        if path.is_dir():
            raise CommandError(f"{out} is a folder: give the zip file's name")
        if not path.parent.is_dir():
            raise CommandError(f"no folder {path.parent} to write {path.name} in")
        partial = path.with_name(path.name + ".partial")
        try:
            with partial.open("wb") as handle:
                summary = write_archive(user, handle)
            partial.replace(path)
        except OSError as error:
            partial.unlink(missing_ok=True)
            raise CommandError(f"could not write {out}: {error}") from error
        rows = sum(sum(counts.values()) for counts in summary.values())
        self.stdout.write(f"wrote {path}: {len(summary)} sections, {rows} rows")
