"""The FHIR facade's writes: parse a resource, then call the patients' or pathway's own service,
so a write keeps the revisions and history it keeps through the API."""

from fhir.services.exports import export_cancel, export_kick_off, export_run
from fhir.services.writes import patient_create_or_match, referral_open

__all__ = [
    "export_cancel",
    "export_kick_off",
    "export_run",
    "patient_create_or_match",
    "referral_open",
]
