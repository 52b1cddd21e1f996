"""The CapabilityStatement: exactly what fhir/supported.py declares, the operations, and every
local code system under the project's URL."""

from __future__ import annotations

from fhir import codes
from fhir.supported import TYPES

FHIR_VERSION = "4.0.1"


def capability_statement(*, base: str, date: str) -> dict:
    resources = []
    for supported in TYPES.values():
        entry = {
            "type": supported.type,
            "interaction": [{"code": code} for code in supported.interactions],
            "versioning": "versioned",
            "readHistory": False,
            "updateCreate": False,
            "searchParam": [
                {"name": name, "type": kind, "documentation": words}
                for name, (kind, words) in supported.search.items()
            ],
        }
        if supported.create:
            entry["documentation"] = f"create: {supported.create}."
        if supported.type == "EpisodeOfCare":
            entry["operation"] = [
                {
                    "name": "everything",
                    "definition": "http://hl7.org/fhir/OperationDefinition/"
                    "EpisodeOfCare-everything",
                }
            ]
        resources.append(entry)
    resources.append(
        {
            "type": "Group",
            "operation": [
                {
                    "name": "export",
                    "definition": "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/"
                    "group-export",
                }
            ],
        }
    )
    systems = [
        {"url": codes.local(name), "valueString": words}
        for name, words in codes.LOCAL_SYSTEMS.items()
    ]
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": date,
        "publisher": "Ilio-caval thrombectomy pathway",
        "kind": "instance",
        "software": {"name": "Ilio-caval thrombectomy pathway engine"},
        "implementation": {"description": "FHIR R4 facade over the pathway's data", "url": base},
        "fhirVersion": FHIR_VERSION,
        "format": ["application/fhir+json"],
        "extension": [
            {
                "url": codes.extension("local-code-systems"),
                "extension": [{"url": "system", "valueUri": s["url"]} for s in systems],
            }
        ],
        "rest": [
            {
                "mode": "server",
                "documentation": "Reads for every role; Patient and ServiceRequest create for "
                "coordinators and admins; bulk export for admins. A search "
                "parameter not listed is a 400. Local code systems: "
                + "; ".join(f"{s['url']} ({s['valueString']})" for s in systems)
                + ".",
                "security": {
                    "cors": False,
                    "service": [
                        codes.concept(
                            codes.coding(
                                "http://terminology.hl7.org/CodeSystem/restful-security-service",
                                "Basic",
                            ),
                            text="Token <token> from POST /api/auth/token/, or a session",
                        )
                    ],
                },
                "resource": resources,
                "operation": [
                    {
                        "name": "export",
                        "definition": "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export",
                    }
                ],
            }
        ],
    }
