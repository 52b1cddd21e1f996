"""Reads of an episode's resources: EpisodeOfCare read and search, the read of any resource
built from an episode's records (its id names the episode), the search of a patient's
resources of a type, and $everything. Each in a fixed number of queries (fhir/selectors/load.py)."""

from __future__ import annotations

from core import roles
from core.errors import InvalidInput, NotFound
from fhir.builders.common import episode_of
from fhir.builders.episode import STATUS, states_of
from fhir.selectors.load import episodes_load
from fhir.selectors.paging import Found, Page
from fhir.selectors.patients import patients_resources, with_death
from fhir.selectors.resources import EPISODE_TYPES, episode_resources
from pathway.models import Episode
from patients.models import Patient

EPISODE_STATUSES = sorted(set(STATUS.values()))
BIGINT = 2**63  # an id past it names no row (and PostgreSQL would refuse to compare it)


def _may_read(actor) -> None:
    roles.require(actor, roles.VIEW_EPISODES, "see episodes")


def resource_read(*, actor, resource_type: str, resource_id: str) -> tuple[dict, int]:
    """A resource of an episode by its id, and the episode's patient (for the access log)."""
    _may_read(actor)
    episode_id = (
        int(resource_id)
        if resource_type in ("EpisodeOfCare", "ServiceRequest")
        and resource_id.isdigit()
        and len(resource_id) < 19
        else episode_of(resource_id)
    )
    data = episodes_load([episode_id]).get(episode_id) if episode_id is not None else None
    if data is not None:
        for found in episode_resources(data, [resource_type])[resource_type]:
            if found["id"] == resource_id:
                return found, data.episode.patient_id
    raise NotFound(f"No such {resource_type}.")


def episode_search(*, actor, page: Page, patient: int | None = None, status=()) -> Found:
    _may_read(actor)
    episodes = Episode.objects.all()
    if patient is not None:
        episodes = episodes.filter(patient_id=patient)
    for value in status:
        wanted = value.split(",")
        if unknown := [s for s in wanted if s not in EPISODE_STATUSES]:
            raise InvalidInput(
                {"status": f"Unknown: {', '.join(unknown)}. Known: {', '.join(EPISODE_STATUSES)}."}
            )
        episodes = episodes.filter(state__in=[s for w in wanted for s in states_of(w)])
    episodes = episodes.order_by("id")
    total = episodes.count()
    ids = list(episodes.values_list("id", flat=True)[page.offset : page.offset + page.count])
    loaded = episodes_load(ids) if page.count else {}
    found = [episode_resources(d, ["EpisodeOfCare"])["EpisodeOfCare"][0] for d in loaded.values()]
    return Found(found, total, page)


def patient_resources_search(
    *, actor, resource_type: str, patient: int, page: Page, code=()
) -> Found:
    """The resources of `resource_type` of every episode of the patient, in episode order,
    then a page of them; Observations may be narrowed by `code` ([system]|code, or a code)."""
    _may_read(actor)
    ids = list(
        Episode.objects.filter(patient_id=patient).order_by("id").values_list("id", flat=True)
    )
    found = []
    for data in episodes_load(ids).values():
        found += episode_resources(data, [resource_type])[resource_type]
    for value in code:
        found = [r for r in found if _coded(r, value)]
    total = len(found)
    return Found(found[page.offset : page.offset + page.count], total, page)


def _coded(resource: dict, wanted: str) -> bool:
    codings = (resource.get("code") or {}).get("coding", [])
    for one in wanted.split(","):
        system, bar, code = one.rpartition("|")
        for coding in codings:
            if coding["code"] == code and (not bar or not system or coding["system"] == system):
                return True
    return False


def episode_everything(*, actor, episode_id: int) -> tuple[list[dict], int]:
    """Every resource of the episode, its patient first, and the patient's id: a fixed number
    of queries whatever the episode holds."""
    _may_read(actor)
    data = episodes_load([episode_id]).get(episode_id) if episode_id < BIGINT else None
    if data is None:
        raise NotFound("No such EpisodeOfCare.")
    patient = with_death(Patient.objects.filter(id=data.episode.patient_id))
    found = patients_resources(patient)
    for resources in episode_resources(data, EPISODE_TYPES).values():
        found += resources
    return found, data.episode.patient_id
