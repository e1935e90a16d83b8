"""Spreadsheets for download: CSV that Excel opens right and cannot be tricked by.

UTF-8 with a byte-order mark, or Excel on a Chinese Windows reads the names as
GBK mojibake; and a cell that starts like a formula (= + - @, a tab or a carriage
return) gets a leading ' so a member who names themselves `=HYPERLINK(...)` stays
text in the teacher's spreadsheet (CSV injection).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from django.http import HttpResponse
from django.utils.http import content_disposition_header

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def safe_cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_response(filename: str, header: list[str], rows: Iterable[Iterable]) -> HttpResponse:
    """Written whole before it is sent: under ASGI Django would read a synchronous
    stream into memory anyway (and warn), and the rows' database cursor is done before
    the response leaves the view."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "private, no-store"
    response.write(csv_text(header, rows))
    return response


def csv_text(header: list[str], rows: Iterable[Iterable]) -> str:
    """The whole file, BOM first (for a file written by a management command too)."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out)
    writer.writerow([safe_cell(cell) for cell in header])
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return out.getvalue()
