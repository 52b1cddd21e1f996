from django.core.management.base import BaseCommand

from outcomes.services import episode_outcomes_rebuild


class Command(BaseCommand):
    help = (
        "Reduce every episode's outcome facts again from its records (the rows the outcome "
        "figures read; each is kept in line as its facts change, so this is for bulk loads "
        "and repairs)."
    )

    def handle(self, *args, **options):
        written = episode_outcomes_rebuild()
        self.stdout.write(f"Rebuilt the outcome facts of {written} episode(s).")
