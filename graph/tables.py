"""Tables as spreadsheet files: CSV and XLSX that are safe to open in Excel, LibreOffice or Numbers.

    sheet = Sheet("Outcomes", [Column("value", "value", NUMBER), Column("unit", "unit")], rows)
    to_csv(sheet)                    # bytes: UTF-8 with a BOM, CRLF line ends
    to_xlsx([sheet, sources], {"title": "…"})  # bytes: number cells, frozen header, autofilter

A cell's type is its Python value's: ``int``/``float`` become number cells (plain digits in CSV), ``bool``
boolean cells, ``None`` an empty cell, anything else text — so a sheet sorts and charts without conversion.
Text is only ever text:

- XLSX: every text cell is written as a string (XlsxWriter ``write_string``, and the workbook refuses to
  turn strings into formulas, numbers or links), so ``=HYPERLINK(…)`` stays the characters it is.
- CSV has no cell types, so a spreadsheet program evaluates a cell that starts with ``=``, ``+``, ``-``,
  ``@`` (or a tab or line break before them). Such a text cell gets a leading apostrophe — the usual
  defence (OWASP "CSV injection") and the way Excel itself marks text; numbers are never touched.

XLSX cells hold at most 32,767 characters; longer text is cut there and ends with "…".
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

TEXT, NUMBER, INTEGER, BOOLEAN = "text", "number", "integer", "boolean"
XLSX_MAX_CHARS = 32767
XLSX_MAX_SHEET_NAME = 31
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    kind: str = TEXT  # text | number | integer | boolean: what the column holds (documentation, layout)
    width: float = 14  # XLSX column width, in characters
    note: str = ""  # what the column holds (XLSX header comment)


@dataclass
class Sheet:
    name: str
    columns: list[Column]
    rows: list[list] = field(default_factory=list)  # values in column order; None → empty cell


def csv_text(value: str) -> str:
    """Text that a spreadsheet program will not evaluate as a formula."""
    if value.startswith(FORMULA_START) or value.lstrip().startswith(FORMULA_START[:4]):
        return "'" + value
    return value


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value) if isinstance(value, float) else str(value)
    return csv_text(str(value))


def to_csv(sheet: Sheet) -> bytes:
    """One sheet as CSV (RFC 4180 quoting, CRLF), UTF-8 with a byte-order mark so Excel reads Chinese."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([csv_text(c.header) for c in sheet.columns])
    for row in sheet.rows:
        w.writerow([_csv_cell(v) for v in row])
    return buf.getvalue().encode("utf-8-sig")


def _sheet_name(name: str, used: set[str]) -> str:
    clean = "".join("_" if ch in "[]:*?/\\" else ch for ch in name).strip("'")[:XLSX_MAX_SHEET_NAME] or "Sheet"
    out, n = clean, 2
    while out.lower() in used:
        suffix = f" ({n})"
        out, n = clean[:XLSX_MAX_SHEET_NAME - len(suffix)] + suffix, n + 1
    used.add(out.lower())
    return out


def to_xlsx(sheets: list[Sheet], properties: dict | None = None) -> bytes:
    """Sheets as one XLSX workbook: bold header row frozen with an autofilter, typed cells.

    ``properties``: document properties (title, subject, comments, keywords …) shown by File → Info.
    """
    import xlsxwriter

    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
                                   "strings_to_urls": False})
    if properties:
        wb.set_properties(properties)
    header = wb.add_format({"bold": True, "bg_color": "#E8EEF4", "bottom": 1, "text_wrap": True, "valign": "top"})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    top = wb.add_format({"valign": "top"})
    used: set[str] = set()
    for sheet in sheets:
        ws = wb.add_worksheet(_sheet_name(sheet.name, used))
        for j, col in enumerate(sheet.columns):
            ws.write_string(0, j, col.header, header)
            if col.note:
                ws.write_comment(0, j, col.note)
            ws.set_column(j, j, col.width, wrap if col.kind == TEXT and col.width >= 40 else top)
        for i, row in enumerate(sheet.rows, start=1):
            for j, value in enumerate(row):
                if value is None or value == "":
                    continue
                if isinstance(value, bool):
                    ws.write_boolean(i, j, value)
                elif isinstance(value, (int, float)):
                    ws.write_number(i, j, value)
                else:
                    text = str(value)
                    if len(text) > XLSX_MAX_CHARS:
                        text = text[:XLSX_MAX_CHARS - 1] + "…"
                    ws.write_string(i, j, text)
        ws.freeze_panes(1, 0)
        if sheet.columns:
            ws.autofilter(0, 0, max(len(sheet.rows), 1), len(sheet.columns) - 1)
    wb.close()
    return out.getvalue()


XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_NUMERIC = {XSD + t for t in ("integer", "decimal", "double", "float", "int", "long", "short", "byte",
                                 "nonNegativeInteger", "positiveInteger", "negativeInteger", "nonPositiveInteger",
                                 "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte")}


def term_value(term: dict | None):
    """A SPARQL-JSON term as a cell value: numeric literals → int/float, xsd:boolean → bool, else its text."""
    if term is None:
        return None
    value, datatype = term["value"], term.get("datatype")
    if term["type"] == "bnode":
        return "_:" + value
    if datatype in XSD_NUMERIC:
        try:
            f = float(value)
        except ValueError:
            return value
        if f != f or f in (float("inf"), float("-inf")):
            return value  # NaN/INF: keep the lexical form
        return int(value) if datatype != XSD + "double" and datatype != XSD + "float" and f.is_integer() \
            and "." not in value and "e" not in value.lower() else f
    if datatype == XSD + "boolean" and value in ("true", "false", "1", "0"):
        return value in ("true", "1")
    return value


def sparql_sheet(result: dict, name: str = "Results") -> Sheet:
    """A query runner result (SELECT variables/rows, ASK boolean, CONSTRUCT s/p/o) as one sheet."""
    if result.get("kind") == "ASK":
        return Sheet(name, [Column("boolean", "boolean", BOOLEAN)], [[bool(result.get("boolean"))]])
    columns = [Column(v, v, width=24) for v in result["variables"]]
    return Sheet(name, columns, [[term_value(t) for t in row] for row in result["rows"]])
