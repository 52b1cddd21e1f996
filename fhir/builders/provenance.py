"""Provenance: one per move of the episode (corrections too, naming the move they undo) and
one per revision of each of its records, targeting the resources built from that record (the
episode when none is: an MDT decision, an imaging study, a post-op check)."""

from __future__ import annotations

from fhir import codes
from fhir.builders.common import day, instant, ref, resource, rid

OPERATION = {"+": ("CREATE", "create"), "~": ("UPDATE", "revise"), "-": ("DELETE", "delete")}


def _who(user_id) -> dict:
    if user_id is None:
        return {"display": "the system"}
    return {"identifier": {"system": f"{codes.base()}/sid/user", "value": str(user_id)}}


def _agent(user_id) -> list[dict]:
    return [
        {
            "type": codes.concept(codes.coding(codes.PROVENANCE_AGENT, "author", "Author")),
            "who": _who(user_id),
        }
    ]


def move_provenance(data, move) -> dict:
    entity = None
    if move.corrects_id:
        entity = [
            {"role": "removal", "what": ref("Provenance", rid(data.id, f"move{move.corrects_id}"))}
        ]
    return resource(
        "Provenance",
        rid(data.id, f"move{move.id}"),
        target=[ref("EpisodeOfCare", data.id)],
        occurredDateTime=day(move.effective_on),
        recorded=instant(move.recorded_at),
        reason=[{"text": move.reason}] if move.reason else None,
        activity=codes.local_concept("pathway-move", move.name),
        agent=_agent(move.actor_id),
        entity=entity,
    )


def _targets(data, revision, built: list[tuple[str, str]]) -> list[dict]:
    """The resources built from the revised record, as (type, id) of what was built."""
    ep, pk = data.id, revision.record_id
    exact: set[str] = set()
    prefixes: tuple[str, ...] = ()
    match revision.record:
        case "selection":
            exact = {rid(ep, "dvt")}
        case "procedure_note":
            note = next((n for n in data.notes if n.id == pk), None)
            exact = {rid(ep, f"procedure{pk}"), rid(ep, f"procedure{pk}-venography")}
            exact |= {rid(ep, f"stent{s.id}") for s in (data.stents_of(note) if note else [])}
        case "complication":
            exact = {rid(ep, f"complication{pk}")}
        case "anticoagulation_course":
            exact = {rid(ep, f"course{pk}")}
        case "measurement":
            prefixes = (rid(ep, f"m{pk}-"),)
        case "follow_up":
            exact, prefixes = {rid(ep, f"fu{pk}")}, (rid(ep, f"fu{pk}-"),)
        case "visit":
            prefixes = (rid(ep, f"v{pk}-"),)
        case "discharge_plan":
            exact = {rid(ep, "surveillance")}
    found = [
        ref(t, i)
        for t, i in built
        if t != "Provenance" and (i in exact or (prefixes and i.startswith(prefixes)))
    ]
    return found or [ref("EpisodeOfCare", ep)]


def revision_provenance(data, revision, built, previous) -> dict:
    code, words = OPERATION.get(revision.type, OPERATION["~"])
    local = f"rev-{revision.record}-{revision.history_id}"
    entity = None
    if previous is not None:
        entity = [
            {
                "role": "revision",
                "what": ref(
                    "Provenance", rid(data.id, f"rev-{previous.record}-{previous.history_id}")
                ),
            }
        ]
    return resource(
        "Provenance",
        rid(data.id, local),
        extension=[
            {
                "url": codes.extension("record"),
                "valueCoding": codes.coding(
                    codes.local("record"), revision.record, revision.record.replace("_", " ")
                ),
            }
        ],
        target=_targets(data, revision, built),
        recorded=instant(revision.at),
        reason=[{"text": revision.reason}] if revision.reason else None,
        activity=codes.concept(codes.coding(codes.DATA_OPERATION, code, words)),
        agent=_agent(revision.user_id),
        entity=entity,
    )


def provenance_resources(data, built: list[tuple[str, str]]) -> list[dict]:
    """`built`: (type, id) of every other resource of the episode."""
    found = [move_provenance(data, move) for move in data.moves]
    for revisions in data.revisions.values():
        for previous, revision in zip([None, *revisions[:-1]], revisions, strict=True):
            found.append(revision_provenance(data, revision, built, previous))
    return found
