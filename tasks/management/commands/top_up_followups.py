from django.core.management.base import BaseCommand

from tasks.services.topup import followups_top_up


class Command(BaseCommand):
    help = (
        "Run one top-up now: create the next repeating follow-ups of the episodes in "
        "surveillance whose schedule is running low (idempotent; beat runs it daily)."
    )

    def handle(self, *args, **options):
        created = followups_top_up()
        self.stdout.write(f"Topped up: created {created} follow-up(s).")
