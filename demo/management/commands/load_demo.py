from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from demo import cohort as demo
from demo.synthetic import cohort_generate

FIRST_RUN_PATIENTS = 300
FIRST_RUN_SEED = 1


class Command(BaseCommand):
    help = (
        "Create one demo user per role (printing fresh passwords) and a demo cohort; on an "
        "empty database (the first run) also a synthetic cohort of 300 patients."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--cohort",
            type=int,
            default=FIRST_RUN_PATIENTS,
            help="Synthetic patients to load on the first run (0: none).",
        )

    def handle(self, *args, cohort, verbosity, **options):
        if cohort < 0:
            raise CommandError("--cohort must be 0 or more.")
        passwords = demo.demo_users_reset()
        first_run = demo.database_empty()
        episodes, alerts = demo.demo_cohort_load()
        self.stdout.write(
            f"Demo cohort: {episodes} episodes and {alerts} follow-up alerts created (in the "
            "inboxes; a loaded history emails nothing at once)"
            if episodes
            else "Demo cohort: already loaded"
        )
        if first_run and cohort:
            self.stdout.write(f"First run: loading a synthetic cohort of {cohort} patients")
            with tqdm(total=cohort, unit="patient", disable=verbosity == 0) as bar:
                done = cohort_generate(patients=cohort, seed=FIRST_RUN_SEED, progress=bar.update)
            sweep = demo.history_sweep(seed=FIRST_RUN_SEED)
            self.stdout.write(
                f"Synthetic cohort: {done.patients} patients in {done.seconds:.0f} s, "
                f"{sweep.alerts} follow-up alerts raised"
            )
        owed, hour = demo.digest_owed()
        if owed:
            self.stdout.write(
                f"{demo.DEMO_USERS['nurse']}: {owed} due or overdue alerts wait for her daily "
                f"digest email, sent from {hour:02d}:00 (the unit's digest hour, in its settings)"
            )
        self.stdout.write("Demo users (new passwords on every run):")
        for username, password in passwords.items():
            self.stdout.write(f"  {username:18} {password}")
        self.stdout.write(
            "  (admins sign in in two steps: demo-admin sets up an authenticator app at the "
            "first sign-in)"
        )
