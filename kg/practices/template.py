"""The practice catalogue in the fields of the Interreg good-practice template, as CSV or XLSX, so a partner
can take it to the Policy Learning Platform (the fields: shared/data/innocrafts/template_fields.md)."""

from __future__ import annotations

import csv
import io

from kg.errors import KGError
from kg.namespaces import Namespaces
from kg.store import Store
from kg.store.rows import select_rows

__all__ = ["TEMPLATE_FIELDS", "FORMATS", "template_rows", "write_template"]

#: The columns, in the template's order: (column, the query variable that fills it). The first ten are the
#: fields seen on the INTERREG IVC and Interreg Europe good-practice pages; "Potential for learning or
#: transfer" and "Difficulties encountered" are the form's usual names, not verified on a record; the last
#: columns are coopkg's own (where the row came from, how sure it is, its IRI).
TEMPLATE_FIELDS: list[tuple[str, str]] = [
    ("Good practice title", "title"),
    ("Project acronym", "acronym"),
    ("Programme", "programme"),
    ("Priority / sub theme", "priority"),
    ("Topic of the practice", "themes"),
    ("Location: country", "country"),
    ("Location: region", "region"),
    ("Location: city", "city"),
    ("Start date of the practice", "start"),
    ("End date of the practice", "end"),
    ("Good practice information (description)", "description"),
    ("Resources needed", "resources"),
    ("Evidence of success", "evidence"),
    ("Potential for learning or transfer", "transfer"),
    ("Difficulties encountered", "difficulties"),
    ("Funding", "funding"),
    ("Main institution involved", "owner"),
    ("Sectors", "sectors"),
    ("Target groups", "groups"),
    ("Presented at", "events"),
    ("Source", "sources"),
    ("Confidence", "confidence"),
    ("coopkg IRI", "practice"),
]
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

_LABEL = 'FILTER(LANG(?{v}) = "" || LANGMATCHES(LANG(?{v}), "en"))'
_QUERY = """SELECT ?practice (SAMPLE(?t) AS ?title) (SAMPLE(?ac) AS ?acronym) (SAMPLE(?prog) AS ?programme)
  (SAMPLE(?prio) AS ?priority) (SAMPLE(?cn) AS ?country) (SAMPLE(?rn) AS ?region) (SAMPLE(?ci) AS ?city)
  (SAMPLE(?sy) AS ?start) (SAMPLE(?ey) AS ?end) (SAMPLE(?d) AS ?description) (SAMPLE(?r) AS ?resources)
  (SAMPLE(?ev) AS ?evidence) (SAMPLE(?pt) AS ?transfer) (SAMPLE(?di) AS ?difficulties) (SAMPLE(?f) AS ?funding)
  (SAMPLE(?ow) AS ?owner) (SAMPLE(?conf) AS ?confidence)
  (GROUP_CONCAT(DISTINCT ?th; SEPARATOR="; ") AS ?themes) (GROUP_CONCAT(DISTINCT ?se; SEPARATOR="; ") AS ?sectors)
  (GROUP_CONCAT(DISTINCT ?tg; SEPARATOR="; ") AS ?groups) (GROUP_CONCAT(DISTINCT ?evt; SEPARATOR="; ") AS ?events)
  (GROUP_CONCAT(DISTINCT STR(?src); SEPARATOR=" ; ") AS ?sources)
WHERE {
  ?practice a coop:GoodPractice ; rdfs:label ?t .
  __ONE__
  OPTIONAL { ?practice coop:project ?proj . OPTIONAL { ?proj coop:acronym ?ac }
             OPTIONAL { ?proj coop:priority ?prio }
             OPTIONAL { ?proj coop:programme/rdfs:label ?prog } }
  OPTIONAL { ?practice coop:country/rdfs:label ?cn __CN__ }
  OPTIONAL { ?practice coop:city ?cityIri . ?cityIri rdfs:label ?ci
             OPTIONAL { ?cityIri coop:region/rdfs:label ?rn } }
  OPTIONAL { ?practice coop:startYear ?sy } OPTIONAL { ?practice coop:endYear ?ey }
  OPTIONAL { ?practice dcterms:description ?d } OPTIONAL { ?practice coop:resourcesNeeded ?r }
  OPTIONAL { ?practice coop:evidenceOfSuccess ?ev } OPTIONAL { ?practice coop:potentialForTransfer ?pt }
  OPTIONAL { ?practice coop:difficultiesEncountered ?di } OPTIONAL { ?practice coop:funding ?f }
  OPTIONAL { ?practice coop:owner/rdfs:label ?ow }
  OPTIONAL { ?practice coop:confidence/skos:prefLabel ?conf }
  OPTIONAL { ?practice coop:theme/skos:prefLabel ?th __TH__ }
  OPTIONAL { ?practice coop:sector/skos:prefLabel ?se __SE__ }
  OPTIONAL { ?practice coop:targetGroup/skos:prefLabel ?tg __TG__ }
  OPTIONAL { ?practice coop:presentedAt/rdfs:label ?evt }
  OPTIONAL { ?practice dcterms:source ?src }
  __T__
} GROUP BY ?practice ORDER BY ?practice"""


def _query(one: str | None) -> str:
    text = _QUERY.replace("__ONE__", f"VALUES ?practice {{ <{one}> }}" if one else "")
    for mark, var in (("__CN__", "cn"), ("__TH__", "th"), ("__SE__", "se"), ("__TG__", "tg"), ("__T__", "t")):
        text = text.replace(mark, _LABEL.format(v=var))
    return text


def template_rows(store: Store, ns: Namespaces, practice: str | None = None) -> list[dict[str, str]]:
    """One row per practice (or the one practice IRI given), keyed by the template's column names."""
    rows = select_rows(store, ns.sparql_prefixes() + _query(practice))
    result = [{column: r.get(var, "") for column, var in TEMPLATE_FIELDS} for r in rows]
    for row in result:
        if row["Start date of the practice"] and not row["End date of the practice"]:
            row["End date of the practice"] = "not stated"
    if practice is not None and not result:
        raise KGError(f"no practice has the IRI '{practice}'")
    return result


def write_template(rows: list[dict[str, str]], fmt: str) -> bytes:
    """The rows as a CSV file (UTF-8 with a byte-order mark, which Excel needs to read accents) or an XLSX
    workbook with one sheet, a bold frozen header and wrapped text."""
    columns = [c for c, _ in TEMPLATE_FIELDS]
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)
        return ("\ufeff" + out.getvalue()).encode("utf-8")
    if fmt != "xlsx":
        raise KGError(f"the template comes as {' or '.join(FORMATS)}, not '{fmt}'")
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = "Good practices"
    sheet.append(columns)
    for row in rows:
        sheet.append([row[c] for c in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for i, column in enumerate(columns, start=1):
        letter = sheet.cell(row=1, column=i).column_letter
        long = column.startswith(("Good practice information", "Resources", "Evidence", "Potential", "Difficulties"))
        sheet.column_dimensions[letter].width = 60 if long else 24
        for cell in sheet[letter][1:]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
