"""What the server supports, declared once: the views check requests against it and the
CapabilityStatement lists it, so the two cannot drift."""

from __future__ import annotations

from dataclasses import dataclass

PAGING = {
    "_count": "Page size (0 to 200; 50 by default)",
    "_offset": "How many matches to skip (the `next` link carries it)",
    "_format": "json, application/json or application/fhir+json (XML is not served)",
}
PATIENT = {"patient": ("reference", "The patient: Patient/<id> (required)")}


@dataclass(frozen=True)
class Supported:
    type: str
    search: dict  # name -> (FHIR search type, documentation)
    create: str = ""  # what a POST does; empty: no create
    profile_note: str = ""

    @property
    def interactions(self) -> list[str]:
        found = ["read", "search-type"]
        return [*found, "create"] if self.create else found


TYPES = {
    s.type: s
    for s in (
        Supported(
            "Patient",
            {
                "identifier": ("token", "The MRN: <the unit's MRN system>|<MRN>, or the MRN"),
                "name": ("string", "The start of the given or family name"),
                "family": ("string", "The start of the family name"),
                "birthdate": ("date", "The birth date, with prefixes eq ne lt gt le ge"),
            },
            create="Creates the patient, or answers the patient with that MRN (200)",
        ),
        Supported(
            "EpisodeOfCare",
            {
                "patient": ("reference", "The patient: Patient/<id>"),
                "status": ("token", "planned, active, finished or cancelled"),
            },
        ),
        Supported(
            "ServiceRequest",
            PATIENT,
            create="A referral naming the patient: opens an episode in selection dated "
            "authoredOn (409 when the patient has an open episode)",
        ),
        Supported("Condition", PATIENT),
        Supported("Procedure", PATIENT),
        Supported("Device", PATIENT),
        Supported(
            "Observation",
            {**PATIENT, "code": ("token", "[system]|code, e.g. http://loinc.org|6301-6 for INR")},
        ),
        Supported("MedicationStatement", PATIENT),
        Supported("CarePlan", PATIENT),
        Supported("Task", PATIENT),
        Supported("Provenance", PATIENT),
    )
}
EPISODE_SCOPED = tuple(t for t in TYPES if t not in ("Patient", "EpisodeOfCare"))


def query_names(resource_type: str) -> list[str]:
    return [*TYPES[resource_type].search, *PAGING]
