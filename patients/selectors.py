from django.db.models import Prefetch, Q, QuerySet, Value
from django.db.models.lookups import Contains, StartsWith

from core import roles
from core.errors import InvalidInput, NotFound
from core.text import Folded
from patients.models import Patient

# A search is an MRN or a few words of a name. Each word adds a join of conditions; bounding
# them keeps the worst search cheap (bench/search.py), and the indexes of patients/migrations/0005
# answer each word without reading every patient. Names are compared folded (core/text.py):
# accents and case ignored on PostgreSQL and SQLite alike, "zoe" finds "Zoë".
SEARCH_MAX_WORDS = 5
SEARCH_MAX_CHARS = 100
TRIGRAM = 3


def search_problem(text: str) -> str | None:
    """Why a search is refused, in words (never echoing it); None when it will do."""
    if "\x00" in text:  # PostgreSQL cannot compare text with a NUL byte
        return "Null characters are not allowed."
    if len(text) > SEARCH_MAX_CHARS:
        return f"A search is at most {SEARCH_MAX_CHARS} characters: an MRN or a name."
    if len(text.split()) > SEARCH_MAX_WORDS:
        return f"A search is at most {SEARCH_MAX_WORDS} words."
    return None


def patient_search(*, actor, text: str = "") -> QuerySet[Patient]:
    roles.require(actor, roles.VIEW_PATIENTS, "see patients")
    if problem := search_problem(text):
        raise InvalidInput({"search": problem})
    qs = Patient.objects.all()
    for word in text.split():
        qs = qs.filter(Q(mrn__iexact=word) | _name_matches(word))
    return qs


def _name_matches(word: str) -> Q:
    """A word of three letters or more is found anywhere in a name (a trigram index answers
    it); a shorter one starts a name ("Li" finds Li and Lim, not Emily), answered by a btree
    index: inside a name it would match most patients and no index could help. Both sides are
    folded by the database, so they are folded alike."""
    lookup = Contains if len(word) >= TRIGRAM else StartsWith
    wanted = Folded(Value(word))
    return Q(lookup(Folded("given_name"), wanted)) | Q(lookup(Folded("family_name"), wanted))


def patient_get(*, actor, patient_id: int) -> Patient:
    roles.require(actor, roles.VIEW_PATIENTS, "see patients")
    try:
        return Patient.objects.get(id=patient_id)
    except Patient.DoesNotExist:
        raise NotFound("No such patient.") from None


def patient_search_with_episodes(*, actor, text: str) -> QuerySet[Patient]:
    """patient_search, each patient with their episodes (newest first) to link to."""
    episodes = Patient._meta.get_field("episodes").related_model._default_manager.order_by("-id")
    return patient_search(actor=actor, text=text).prefetch_related(
        Prefetch("episodes", queryset=episodes)
    )
