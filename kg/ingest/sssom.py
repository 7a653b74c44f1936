"""Crosswalks between concept schemes in SSSOM (the Simple Standard for Sharing Ontological Mappings): a
TSV table with its metadata as YAML in leading `#` lines -> N-Triples.

Each row becomes its SKOS mapping triple (urbact:youth skos:relatedMatch tg:young-people), which the queries
and the recommendations follow, and an owl:Axiom describing it the way SSSOM's RDF form does: the
justification and the reason in words (rdfs:comment), so a reader sees why two concepts were mapped.
"""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

import yaml
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from kg.errors import DataError
from kg.rdf import iri, literal

__all__ = ["read_sssom", "SSSOM", "PREDICATES"]

SSSOM = "https://w3id.org/sssom/"
#: The mapping predicates a crosswalk may use (SKOS's mapping properties).
PREDICATES = frozenset(
    str(p) for p in (SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch, SKOS.narrowMatch, SKOS.relatedMatch)
)
_COLUMNS = ("subject_id", "predicate_id", "object_id", "mapping_justification")


def read_sssom(path: Path) -> str:
    """The crosswalk in `path` as N-Triples; a DataError naming the file and line for what cannot be read."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise DataError(str(path), f"cannot read the crosswalk: {e}") from None
    lines = text.splitlines(keepends=True)
    body_start = next((i for i, line in enumerate(lines) if not line.startswith("#")), len(lines))
    header = [line[1:] for line in lines[:body_start]]  # the metadata is the leading # lines only
    try:
        meta = yaml.safe_load("".join(header)) or {}
    except yaml.YAMLError as e:
        raise DataError(str(path), f"the metadata block (the leading # lines) is not valid YAML: {e}") from None
    if not isinstance(meta, dict):
        raise DataError(str(path), "the metadata block (the leading # lines) must be YAML keys and values")
    given = meta.get("curie_map") or {}
    if not isinstance(given, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in given.items()):
        raise DataError(str(path), "curie_map must map each prefix to an IRI (prefix: https://...)")
    curies = {**given, "skos": str(SKOS), "semapv": "https://w3id.org/semapv/vocab/"}
    set_id = str(meta.get("mapping_set_id") or "")
    try:
        if "#" in set_id:
            raise ValueError("it holds a #")
        iri(set_id)
        if not set_id.startswith(("http://", "https://")):
            raise ValueError("it is not an absolute http(s) IRI")
    except ValueError as e:
        raise DataError(str(path), f"mapping_set_id '{set_id}' is not usable: {e}") from None
    rows = csv.DictReader(io.StringIO("".join(lines[body_start:])), delimiter="\t")
    missing = [c for c in _COLUMNS if c not in (rows.fieldnames or [])]
    if missing:
        raise DataError(str(path), f"missing SSSOM column(s): {', '.join(missing)}", line=body_start + 1)
    out: list[str] = []
    number = body_start + 1
    try:
        for number, row in enumerate(rows, start=body_start + 2):
            try:
                subject, predicate, obj, why = (_expand(row[c] or "", curies) for c in _COLUMNS)
                if predicate not in PREDICATES:
                    raise ValueError(f"'{row['predicate_id']}' is not a SKOS mapping property")
                s, p, o, w = iri(subject), iri(predicate), iri(obj), iri(why)
            except ValueError as e:
                raise DataError(str(path), str(e), line=number) from None
            out += _mapping(set_id, subject, predicate, obj, s, p, o, w, row.get("comment") or "")
    except csv.Error as e:
        raise DataError(str(path), f"not readable as tab-separated values: {e}", line=number + 1) from None
    return "".join(out)


def _mapping(set_id, subject, predicate, obj, s, p, o, w, comment: str) -> list[str]:
    """One mapping's SKOS triple and the owl:Axiom that carries its justification and reason."""
    node = iri(f"{set_id}#{hashlib.sha1(f'{subject} {predicate} {obj}'.encode()).hexdigest()[:12]}")
    out = [
        f"{s} {p} {o} .\n",
        f"{node} {iri(str(RDF.type))} {iri(str(OWL.Axiom))} .\n",
        f"{node} {iri(str(OWL.annotatedSource))} {s} .\n",
        f"{node} {iri(str(OWL.annotatedProperty))} {p} .\n",
        f"{node} {iri(str(OWL.annotatedTarget))} {o} .\n",
        f"{node} {iri(SSSOM + 'mapping_justification')} {w} .\n",
        f"{node} {iri(SSSOM + 'mapping_set_id')} {iri(set_id)} .\n",
    ]
    if comment.strip():
        out.append(f"{node} {iri(str(RDFS.comment))} {literal(comment.strip(), lang='en')} .\n")
    return out


def _expand(value: str, curies: dict[str, str]) -> str:
    value = value.strip()
    prefix, sep, local = value.partition(":")
    if value.startswith(("http://", "https://")):
        return value
    if sep and prefix in curies:
        return f"{curies[prefix]}{local}"
    raise ValueError(f"'{value}' is neither an IRI nor a CURIE of the curie_map ({', '.join(sorted(curies))})")
