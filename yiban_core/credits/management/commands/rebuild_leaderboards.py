from django.core.management.base import BaseCommand, CommandError

from yiban_core.credits import boards
from yiban_core.redis import redis_client


class Command(BaseCommand):
    help = "Rebuild every Redis leaderboard from the database (after Redis lost its data)."

    def handle(self, **options):
        if redis_client() is None:
            raise CommandError("No Redis is configured: the boards are read from the database.")
        for name, count in boards.rebuild_all().items():
            self.stdout.write(f"{name}: {count} boards rebuilt")
