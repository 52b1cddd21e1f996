"""What a synthetic cohort holds, read back from the database: the command prints it and the
tests compare two cohorts by it (no ids: the same seed gives the same summary)."""

from __future__ import annotations

from django.db.models import Count

from demo.synthetic.cohort import mrn_prefix
from pathway.models import Complication, Episode, Reintervention, Transition
from tasks.models import FollowUp, Visit


def cohort_summary(*, seed: int) -> dict:
    """Per state the episodes; the moves (name, effective date) of each patient by MRN; the
    follow-ups completed and open by kind; re-interventions, complications and visits."""
    episodes = Episode.objects.filter(patient__mrn__startswith=mrn_prefix(seed))
    follow_ups = FollowUp.objects.filter(episode__in=episodes)
    moves = {}
    for mrn, name, on in (
        Transition.objects.filter(episode__in=episodes)
        .order_by("episode__patient__mrn", "id")
        .values_list("episode__patient__mrn", "name", "effective_on")
    ):
        moves.setdefault(mrn, []).append((name, on.isoformat()))

    def by_kind(rows) -> dict:
        return dict(rows.values_list("kind").annotate(n=Count("id")).order_by("kind"))

    return {
        "states": dict(episodes.values_list("state").annotate(n=Count("id")).order_by("state")),
        "moves": moves,
        "completed": by_kind(follow_ups.filter(completed_at__isnull=False)),
        "open": by_kind(follow_ups.open()),
        "results": sorted(
            follow_ups.filter(completed_at__isnull=False).values_list(
                "episode__patient__mrn", "kind", "performed_on"
            )
        ),
        "reinterventions": Reintervention.objects.filter(move__episode__in=episodes).count(),
        "complications": Complication.objects.filter(episode__in=episodes).count(),
        "visits": Visit.objects.filter(episode__in=episodes).count(),
    }
