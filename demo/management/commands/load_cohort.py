from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from demo.synthetic import cohort_generate, cohort_summary


class Command(BaseCommand):
    help = "Load a deterministic synthetic cohort through the services (MRNs SYN<seed>-...)."

    def add_arguments(self, parser):
        parser.add_argument("--patients", type=int, required=True)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--years", type=int, default=5, help="Referrals over the past N years.")
        parser.add_argument(
            "--workers",
            type=int,
            default=1,
            help="Processes writing disjoint slices of the patients (PostgreSQL only).",
        )

    def handle(self, *args, patients, seed, years, workers, verbosity, **options):
        if patients < 0:
            raise CommandError("--patients must be 0 or more.")
        if seed < 0:
            raise CommandError("--seed must be 0 or more.")
        with tqdm(total=patients, unit="patient", disable=verbosity == 0) as bar:
            try:
                done = cohort_generate(
                    patients=patients,
                    seed=seed,
                    years=years,
                    progress=bar.update,
                    workers=workers,
                )
            except ValueError as exc:
                raise CommandError(str(exc)) from None
        summary = cohort_summary(seed=seed)
        self.stdout.write(
            f"Synthetic cohort (seed {seed}): {done.patients} patients in {done.seconds:.1f} s"
        )
        states = ", ".join(f"{state} {n}" for state, n in summary["states"].items())
        self.stdout.write(f"  episodes by state: {states}")
        for what in ("completed", "open"):
            counts = ", ".join(f"{kind} {n}" for kind, n in summary[what].items())
            self.stdout.write(f"  follow-ups {what}: {counts or 'none'}")
        self.stdout.write(
            f"  re-interventions {summary['reinterventions']}, complications "
            f"{summary['complications']}, unscheduled visits {summary['visits']}"
        )
