"""OpenAPI schema post-processing: every operation documents its error answers.

The views answer 400 (field messages), 401/403 (no or insufficient credentials), 404 (not
visible — the same as not existing) and, for writes, 409 (a conflict with the pathway's
state). Declaring them once here keeps each view's `extend_schema` short and the contract
honest for clients and for the schema-driven tests (tests/security/test_api_contract.py).
"""

from __future__ import annotations

ERROR_SCHEMA = {
    "type": "object",
    "description": "Erreur : `detail` (message en français) et/ou un message par champ (`{champ: [messages]}`).",
    "properties": {"detail": {"type": "string"}},
    "additionalProperties": True,
}
ERRORS = {
    "400": "Paramètres ou données invalides (messages par champ, en français).",
    "401": "Authentification requise.",
    "403": "Authentification requise ou action non permise.",
    "404": "Introuvable ou non visible pour vous.",
    "409": "Conflit avec l'état du parcours ou une donnée existante.",
}
WRITE_METHODS = {"post", "put", "patch", "delete"}


def document_error_responses(result, generator, request, public):
    """drf-spectacular POSTPROCESSING_HOOKS entry: add the error answers to every operation."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    content = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in WRITE_METHODS | {"get"}:
                continue
            responses = operation.setdefault("responses", {})
            for status, description in ERRORS.items():
                if status == "409" and method not in WRITE_METHODS:
                    continue
                answer = responses.setdefault(status, {"description": description})
                answer.setdefault("content", content)
    return result
