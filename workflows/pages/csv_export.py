"""The one CSV writer of the application: every export goes through `csv_response`.

Cells are neutralised against formula injection (OWASP "CSV injection"): a text cell that a
spreadsheet would read as a formula — it starts with `=`, `+`, `-`, `@`, a tab or a carriage
return — is prefixed with a single quote, so a name such as `=HYPERLINK(...)` is shown as
text, never evaluated. Numbers are written as numbers (a negative count stays a number).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence

from django.http import HttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value) -> object:
    """One cell as written: empty for None, text starting like a formula prefixed with `'`."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence]) -> HttpResponse:
    """A `;`-separated UTF-8 CSV attachment (with a BOM, so spreadsheets read the accents)."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=";")
    writer.writerow([csv_cell(v) for v in header])
    writer.writerows([csv_cell(v) for v in row] for row in rows)
    return response
