from django.core.management.base import BaseCommand

from yiban_core.files.rename import rename_all


class Command(BaseCommand):
    help = ("Move post images and resource files stored under guessable names to random "
            "names in the protected storage (safe to interrupt and run again).")

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true",
                            help="list what would move, move nothing")

    def handle(self, *args, dry_run=False, **options):
        moved = skipped = 0
        for outcome in rename_all(dry_run=dry_run):
            if outcome.new is not None:
                moved += 1
                if options["verbosity"] > 1:
                    self.stdout.write(f"{outcome.model} {outcome.old} -> {outcome.new}")
            else:
                skipped += 1
                if dry_run or options["verbosity"] > 1:
                    self.stdout.write(f"{outcome.model} {outcome.old}")
        if dry_run:
            self.stdout.write(f"{skipped} file(s) to move")
        else:
            self.stdout.write(f"{moved} file(s) moved, {skipped} left as they were")
