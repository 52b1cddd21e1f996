from django.core.management.base import BaseCommand

from demo import cohort as demo


class Command(BaseCommand):
    help = "Create one demo user per role (printing fresh passwords) and a demo cohort."

    def handle(self, *args, **options):
        passwords = demo.demo_users_reset()
        episodes, alerts = demo.demo_cohort_load()
        self.stdout.write(
            f"Demo cohort: {episodes} episodes and {alerts} follow-up alerts created"
            if episodes
            else "Demo cohort: already loaded"
        )
        self.stdout.write("Demo users (new passwords on every run):")
        for username, password in passwords.items():
            self.stdout.write(f"  {username:18} {password}")
