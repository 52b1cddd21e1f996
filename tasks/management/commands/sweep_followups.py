from django.core.management.base import BaseCommand

from tasks import services


class Command(BaseCommand):
    help = "Run one sweep now: raise the follow-up alerts that are owed, each at most once."

    def handle(self, *args, **options):
        result = services.followups_sweep()
        self.stdout.write(
            f"Swept {result.follow_ups} follow-up(s) in {result.batches} batch(es); "
            f"raised {result.alerts} alert(s); {result.stalled} alert(s) of stalled episodes; "
            f"{result.course_endings} alert(s) of courses at their end with no decision."
        )
