"""Bundle: a searchset of resources, each with its full URL, and the paging links."""

from __future__ import annotations

from typing import Any


def searchset(
    resources: list[dict], *, base: str, total: int | None, links: dict[str, str]
) -> dict:
    bundle: dict[str, Any] = {"resourceType": "Bundle", "type": "searchset"}
    if total is not None:
        bundle["total"] = total
    bundle["link"] = [{"relation": rel, "url": url} for rel, url in links.items()]
    bundle["entry"] = [
        {
            "fullUrl": f"{base}/{r['resourceType']}/{r['id']}",
            "resource": r,
            "search": {"mode": "match"},
        }
        for r in resources
    ]
    if not bundle["entry"]:
        del bundle["entry"]
    return bundle
