"""The practice catalogue in the fields of the Interreg good-practice template, as CSV or XLSX, so a partner
can take it to the Policy Learning Platform (the fields: shared/data/innocrafts/template_fields.md), or fill it
in and send it back: `kg import -m practice-template FILE` reads exactly this layout (the mapping set
kg/ingest/mappings/sets/practice-template/), by the coopkg id columns at the end of each row."""

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
#: columns are coopkg's own: where the row came from, how sure it is and which fields are uncertain, the
#: compilers' notes, the ids that `kg import -m practice-template` reads the row back by (the template's own
#: columns give names, which do not say which entity is meant), and its IRI.
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
    ("Uncertain fields", "uncertain"),
    ("Notes", "notes"),
    ("coopkg practice id", "id"),
    ("coopkg project id", "project_ids"),
    ("coopkg owner id", "owner_ids"),
    ("coopkg city id", "city_ids"),
    ("coopkg country code", "country_ids"),
    ("coopkg event ids", "event_ids"),
    ("coopkg IRI", "practice"),
]
#: The id columns: the query variable with the linked entities' IRIs -> the one that gets their ids.
_IDS = {
    "projects": "project_ids",
    "owners": "owner_ids",
    "cities": "city_ids",
    "countries": "country_ids",
    "presented": "event_ids",
}
#: The column that holds each property, to name the fields marked uncertain as the import reads them back.
_FIELD_OF = {
    "rdfs:label": "Good practice title",
    "coop:theme": "Topic of the practice",
    "coop:startYear": "Start date of the practice",
    "coop:endYear": "End date of the practice",
    "dcterms:description": "Good practice information (description)",
    "coop:resourcesNeeded": "Resources needed",
    "coop:evidenceOfSuccess": "Evidence of success",
    "coop:potentialForTransfer": "Potential for learning or transfer",
    "coop:difficultiesEncountered": "Difficulties encountered",
    "coop:funding": "Funding",
    "coop:sector": "Sectors",
    "coop:targetGroup": "Target groups",
    "dcterms:source": "Source",
    "coop:confidence": "Confidence",
    "skos:editorialNote": "Notes",
    "dcterms:identifier": "coopkg practice id",
    "coop:project": "coopkg project id",
    "coop:owner": "coopkg owner id",
    "coop:city": "coopkg city id",
    "coop:country": "coopkg country code",
    "coop:presentedAt": "coopkg event ids",
}
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

_LABEL = 'FILTER(LANG(?{v}) = "" || LANGMATCHES(LANG(?{v}), "en"))'
_QUERY = """SELECT ?practice (SAMPLE(?t) AS ?title) (SAMPLE(?ac) AS ?acronym) (SAMPLE(?prog) AS ?programme)
  (SAMPLE(?prio) AS ?priority) (SAMPLE(?cn) AS ?country) (SAMPLE(?rn) AS ?region) (SAMPLE(?ci) AS ?city)
  (SAMPLE(?sy) AS ?start) (SAMPLE(?ey) AS ?end) (SAMPLE(?d) AS ?description) (SAMPLE(?r) AS ?resources)
  (SAMPLE(?ev) AS ?evidence) (SAMPLE(?pt) AS ?transfer) (SAMPLE(?di) AS ?difficulties) (SAMPLE(?f) AS ?funding)
  (SAMPLE(?ow) AS ?owner) (SAMPLE(?conf) AS ?confidence) (SAMPLE(?note) AS ?notes) (SAMPLE(?ident) AS ?id)
  (GROUP_CONCAT(DISTINCT ?th; SEPARATOR="; ") AS ?themes) (GROUP_CONCAT(DISTINCT ?se; SEPARATOR="; ") AS ?sectors)
  (GROUP_CONCAT(DISTINCT ?tg; SEPARATOR="; ") AS ?groups) (GROUP_CONCAT(DISTINCT ?evt; SEPARATOR="; ") AS ?events)
  (GROUP_CONCAT(DISTINCT STR(?src); SEPARATOR=" ; ") AS ?sources)
  (GROUP_CONCAT(DISTINCT STR(?proj); SEPARATOR=" ") AS ?projects)
  (GROUP_CONCAT(DISTINCT STR(?own); SEPARATOR=" ") AS ?owners)
  (GROUP_CONCAT(DISTINCT STR(?cityIri); SEPARATOR=" ") AS ?cities)
  (GROUP_CONCAT(DISTINCT STR(?co); SEPARATOR=" ") AS ?countries)
  (GROUP_CONCAT(DISTINCT STR(?evIri); SEPARATOR=" ") AS ?presented)
  (GROUP_CONCAT(DISTINCT STR(?unc); SEPARATOR=" ") AS ?uncertainIris)
WHERE {
  ?practice a coop:GoodPractice ; rdfs:label ?t .
  __ONE__
  OPTIONAL { ?practice dcterms:identifier ?ident }
  OPTIONAL { ?practice coop:project ?proj . OPTIONAL { ?proj coop:acronym ?ac }
             OPTIONAL { ?proj coop:priority ?prio }
             OPTIONAL { ?proj coop:programme/rdfs:label ?prog } }
  OPTIONAL { ?practice coop:country ?co OPTIONAL { ?co rdfs:label ?cn __CN__ } }
  OPTIONAL { ?practice coop:city ?cityIri OPTIONAL { ?cityIri rdfs:label ?ci }
             OPTIONAL { ?cityIri coop:region/rdfs:label ?rn } }
  OPTIONAL { ?practice coop:startYear ?sy } OPTIONAL { ?practice coop:endYear ?ey }
  OPTIONAL { ?practice dcterms:description ?d } OPTIONAL { ?practice coop:resourcesNeeded ?r }
  OPTIONAL { ?practice coop:evidenceOfSuccess ?ev } OPTIONAL { ?practice coop:potentialForTransfer ?pt }
  OPTIONAL { ?practice coop:difficultiesEncountered ?di } OPTIONAL { ?practice coop:funding ?f }
  OPTIONAL { ?practice coop:owner ?own OPTIONAL { ?own rdfs:label ?ow } }
  OPTIONAL { ?practice coop:confidence/skos:prefLabel ?conf }
  OPTIONAL { ?practice coop:theme/skos:prefLabel ?th __TH__ }
  OPTIONAL { ?practice coop:sector/skos:prefLabel ?se __SE__ }
  OPTIONAL { ?practice coop:targetGroup/skos:prefLabel ?tg __TG__ }
  OPTIONAL { ?practice coop:presentedAt ?evIri OPTIONAL { ?evIri rdfs:label ?evt } }
  OPTIONAL { ?practice dcterms:source ?src }
  OPTIONAL { ?practice coop:uncertainProperty ?unc } OPTIONAL { ?practice skos:editorialNote ?note }
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
    fields = {_expand(curie, ns): column for curie, column in _FIELD_OF.items()}
    for r in rows:
        r["uncertain"] = "; ".join(sorted(fields.get(p, p) for p in r["uncertainIris"].split()))
        for iris, ids in _IDS.items():
            r[ids] = "; ".join(sorted(_tail(i) for i in (r.get(iris) or "").split()))
        r["id"] = r.get("id") or _tail(r["practice"])
    result = [{column: r.get(var, "") for column, var in TEMPLATE_FIELDS} for r in rows]
    for row in result:
        if row["Start date of the practice"] and not row["End date of the practice"]:
            row["End date of the practice"] = "not stated"
    if practice is not None and not result:
        raise KGError(f"no practice has the IRI '{practice}'")
    return result


def _expand(curie: str, ns: Namespaces) -> str:
    prefix, _, local = curie.partition(":")
    return ns.prefixes[prefix] + local


def _tail(iri: str) -> str:
    """The last segment of an entity's IRI: the id its kind's mapping makes the IRI from (P01 of
    .../innocrafts/organisation/P01, IT of .../country/IT), which an import turns back into the same IRI."""
    return iri.rstrip("/").rsplit("/", 1)[-1]


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
        long = column.startswith(
            ("Good practice information", "Resources", "Evidence", "Potential", "Difficulties", "Notes")
        )
        sheet.column_dimensions[letter].width = 60 if long else 24
        for cell in sheet[letter][1:]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
