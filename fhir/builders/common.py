"""What every builder shares: references, ids, dates, meta from revisions."""

from __future__ import annotations

import datetime as dt

from fhir import codes


def ref(resource_type: str, resource_id) -> dict:
    return {"reference": f"{resource_type}/{resource_id}"}


def rid(episode_id: int, local: str) -> str:
    """The id of a resource derived from an episode's records: the episode's id first, so a read
    loads that episode alone (ids keep to FHIR's [A-Za-z0-9-.])."""
    return f"{episode_id}-{local}".replace("_", "-")


def episode_of(resource_id: str) -> int | None:
    """The episode a derived resource's id names, or None for an id that names none."""
    head = resource_id.split("-", 1)[0]
    return int(head) if head.isdigit() and len(head) < 19 else None


def instant(value: dt.datetime) -> str:
    """An aware datetime as FHIR's instant (as stored: UTC)."""
    return value.isoformat()


def day(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def meta(revisions) -> dict | None:
    """A record's revisions as meta.versionId (how many) and meta.lastUpdated (the latest)."""
    if not revisions:
        return None
    return {"versionId": str(len(revisions)), "lastUpdated": instant(revisions[-1].at)}


def in_episode(episode_id: int) -> dict:
    """R4 has no episodeOfCare element on most resources: an extension names it."""
    return {
        "url": codes.extension("episode-of-care"),
        "valueReference": ref("EpisodeOfCare", episode_id),
    }


def resource(resource_type: str, resource_id, *, revisions=None, **elements) -> dict:
    """A resource with its type and id first, meta from its revisions, empty elements left out."""
    found: dict = {"resourceType": resource_type, "id": str(resource_id)}
    if (m := meta(revisions)) is not None:
        found["meta"] = m
    found.update({k: v for k, v in elements.items() if v or v is False or v == 0})
    return found
