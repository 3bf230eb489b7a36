"""A JSON-lines stand-in for the payers' readers, for the tests that run a real worker (the worker
finds it through `FLUX_READER`): one dossier per line, the `FluxRecord` fields as JSON."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

from workflows.flux.records import FluxLineError, FluxPerson, FluxRecord


def _date(value):
    return dt.date.fromisoformat(value) if value else None


def record_json(record: FluxRecord) -> str:
    data = {k: getattr(record, k) for k in ("payer", "allocation_number", "request_number", "right_state")}
    data |= {"right_state_code": record.right_state_code, "transfer_from": record.transfer_from}
    data |= {"right_state_on": record.right_state_on.isoformat() if record.right_state_on else None}
    data["persons"] = [
        {
            "role": p.role,
            "last_name": p.last_name,
            "first_name": p.first_name,
            "birth_date": p.birth_date.isoformat(),
            "nir": p.nir,
            "subject": p.subject_to_rights_and_duties,
        }
        for p in record.persons
    ]
    return json.dumps(data, ensure_ascii=False)


def read_flux(stream, *, received_on: dt.date, filename: str = "") -> Iterator[FluxRecord | FluxLineError]:
    for line_no, raw in enumerate(stream, start=1):
        if raw.startswith(b"#"):  # a comment (the tests make each file's digest their own)
            continue
        try:
            data = json.loads(raw)
        except ValueError:
            yield FluxLineError(line_no, "Ligne illisible.")
            continue
        persons = tuple(
            FluxPerson(
                role=p["role"],
                last_name=p["last_name"],
                first_name=p["first_name"],
                birth_date=_date(p["birth_date"]),
                nir=p.get("nir", ""),
                subject_to_rights_and_duties=p.get("subject", False),
            )
            for p in data.pop("persons")
        )
        yield FluxRecord(
            line_no=line_no,
            persons=persons,
            right_state_on=_date(data.pop("right_state_on")),
            request_date=None,
            **data,
        )
