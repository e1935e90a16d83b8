"""A consistent copy of the SQLite database while the site runs (SQLite's online backup
API: pages are copied under a read lock, so the copy is never half a write).
PostgreSQL is backed up with pg_dump (README, "Backup and restore")."""

import sqlite3
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections


class Command(BaseCommand):
    help = "Copy the SQLite database to a file, safely while the site and workers run."

    def add_arguments(self, parser):
        parser.add_argument("destination", help="the backup file to write (replaced if it exists)")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, destination, database, **options):
        connection = connections[database]
        if connection.vendor != "sqlite":
            raise CommandError("This database is not SQLite: back it up with pg_dump -Fc "
                               "(see README, 'Backup and restore').")
        target_path = Path(destination)
        if target_path.is_dir():
            raise CommandError(f"{destination} is a folder: name the backup file")
        connection.ensure_connection()
        partial = target_path.with_name(target_path.name + ".partial")
        partial.unlink(missing_ok=True)
        target = sqlite3.connect(partial)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
        partial.replace(target_path)  # only a complete copy takes the backup's name
        self.stdout.write(f"backed up to {target_path}")
