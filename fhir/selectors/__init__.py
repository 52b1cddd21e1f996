"""The FHIR facade's reads: each builds resources from the pathway's rows in a fixed number of
queries; the views call one of these."""

from fhir.selectors.capability import capability_statement
from fhir.selectors.episodes import (
    episode_everything,
    episode_search,
    patient_resources_search,
    resource_read,
)
from fhir.selectors.exports import export_file, export_get, export_manifest
from fhir.selectors.paging import Found, Page, page_of, reference_id
from fhir.selectors.patients import patient_read, patient_search

__all__ = [
    "Found",
    "Page",
    "capability_statement",
    "episode_everything",
    "episode_search",
    "export_file",
    "export_get",
    "export_manifest",
    "page_of",
    "patient_read",
    "patient_resources_search",
    "patient_search",
    "reference_id",
    "resource_read",
]
