"""A deterministic synthetic cohort written through the real services (`load_cohort`).

- draws.py: the random values of a patient (pure, no database);
- story.py: referral to discharge through the pathway services;
- surveillance.py: follow-up results, visits, re-interventions and exits;
- cohort.py: the actors, the fates dealt, one transaction per patient;
- parallel.py: several processes writing disjoint slices (`--workers`, PostgreSQL only);
- summary.py: what a cohort holds, read back.
"""

from demo.synthetic.cohort import Generated, cohort_actors, cohort_generate, mrn_prefix
from demo.synthetic.summary import cohort_summary

__all__ = ["Generated", "cohort_actors", "cohort_generate", "cohort_summary", "mrn_prefix"]
