"""Declared column mappings: what a YAML mapping file says, read and checked into `Mapping` objects.

A mapping (see `kg/ingest/mappings/*.yaml`) says which file it reads, how a row's IRI is made, which classes
the entity gets, and for each column the property, and whether the value is a literal (with language
or datatype), a link to another kind's entity, a concept of a SKOS scheme, or an IRI made from a
template."""

from __future__ import annotations

import difflib
import functools
import re
from dataclasses import dataclass, field, fields
from functools import cached_property
from pathlib import Path

import yaml
from rdflib.namespace import DCTERMS

from kg.errors import DataError
from kg.ingest.clean import KEY_FORMS, slug
from kg.ingest.concepts import ConceptIndex
from kg.namespaces import Namespaces

PLACEHOLDER = re.compile(r"\{([^{}]+)\}")
_SCHEME_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def placeholder_column(text: str) -> tuple[str, str]:
    """A subject placeholder's column and the form its value takes: 'URL|last_segment' -> (URL, last_segment)."""
    column, _, form = text.partition("|")
    return column.strip(), form.strip()


@dataclass(frozen=True)
class Scheme:
    """A SKOS scheme a column's distinct values become the concepts of (the file's own code list)."""

    name: str
    label: str


@dataclass(frozen=True)
class Made:
    """A project or programme a mapping names for every entity: linked by its id, created when it has a label."""

    kind: str  # project or programme
    id: str
    label: str = ""
    acronym: str = ""
    source: str = ""


@dataclass(frozen=True)
class Column:
    """How one column's cells become triples."""

    name: str
    property: str | None = None
    required: bool = False
    lang: str | None = None
    datatype: str | None = None
    #: a separator, `lines`, or several of them: (";", "lines")
    split: str | tuple[str, ...] | None = None
    link: str | None = None
    concept: str | None = None
    iri: str | None = None
    #: the cell's distinct values become concepts of this scheme, made by the import (the file's own code list)
    scheme: Scheme | None = None
    classes: dict[str, str] = field(default_factory=dict)
    uncertain: bool = False
    #: a value map applied to each cell first (keys compared case-insensitively), e.g. EL -> GR, LP -> lead-partner
    values: dict[str, str] = field(default_factory=dict)
    #: one property per part of a split cell, e.g. "lat,lon" -> geo:lat and geo:long
    parts: tuple[str, ...] = ()
    #: a literal made from the cell, e.g. "Organisation PIC {}" (for files that lack a name column)
    text: str | None = None
    #: the value used when the cell is empty (reported as defaulted)
    default: str | None = None
    #: a regular expression whose first group (or whole match) is the value: '^([A-Z]{2})\b' takes 'IT' from
    #: 'IT Italy / ITALIA'
    pattern: str | None = None
    #: the column holding the row's country: the postcode is flagged when it looks as if it lost leading zeros
    postcode: str | None = None
    #: for a link to a kind whose subject has several placeholders: placeholder -> this file's column
    key: dict[str, str] = field(default_factory=dict)
    #: for a concept column: the property that keeps a part of the cell no concept of the scheme has (a free
    #: keyword beside a programme's themes), reported; without it such a part is kept as an unmapped code
    unmatched: str | None = None
    #: how a date cell is written when it is not YYYY-MM-DD, as a strptime format ('%d/%m/%Y'): stated, as
    #: 02/06/2017 reads as two different days in Europe and in the US
    date_form: str | None = None
    #: on a row that matched an entity already in the store (see Mapping.same_as), the property this column
    #: gives that entity instead (skos:altLabel for a name); columns without it add nothing to it
    on_match: str | None = None
    #: latitude or longitude: the value is GeoNames' point for the row's GeoNames id (the key of a same_as
    #: mapping) where the shipped GeoNames table has it, so two sources give a city the same point; else the cell
    geonames: str | None = None
    #: cell values that mean "no value" in this column only (compared case-insensitively), beside the mapping's
    missing: tuple[str, ...] = ()
    #: the decimal mark of a number column when the file states it: "," reads '45,315' as 45.315, not 45315
    decimal: str | None = None


@dataclass(frozen=True)
class Skip:
    """A row filter: rows whose `column` is empty (no `matches`) or matches the regular expression are skipped."""

    column: str
    matches: str | None = None


@dataclass(frozen=True)
class Also:
    """An extra triple between two linked entities of the row (e.g. organisation org:memberOf project)."""

    subject: str
    property: str
    object: str


@dataclass(frozen=True)
class Mapping:
    """One entity kind: the file it is read from and how rows become RDF."""

    kind: str
    file: str
    subject: str
    classes: tuple[str, ...]
    columns: dict[str, tuple[Column, ...]]
    order: tuple[tuple[str, str], ...] = ()
    also: tuple[Also, ...] = ()
    gazetteer: bool = False
    source: str = ""
    #: the columns that tell this layout apart from others (default: the required ones), for `kg import`
    header: tuple[str, ...] = ()
    #: rows may describe the same entity again (an organisation on each of its participations): the first
    #: row describing it is used, later ones are skipped
    repeats: bool = False
    #: columns the mapping does not name are ignored instead of refused (published exports grow columns)
    other_columns: str = "refuse"
    #: property -> IRI given to every entity (e.g. the source of a published export with no source column)
    fixed: tuple[tuple[str, str], ...] = ()
    #: cell values that mean "no value" in this layout, such as NA (compared case-insensitively)
    missing: tuple[str, ...] = ()
    #: row filters, reported as skipped rows
    skip: tuple[Skip, ...] = ()
    #: the label of an entity made when a link points at this kind and no file has it ("CORDIS project {}")
    stub_label: str = ""
    #: an IRI template for the entity's key ("https://sws.geonames.org/{}/"): a row, or a link to this kind,
    #: whose key names an entity the store already has as owl:sameAs that IRI is that entity (one city per
    #: GeoNames id whatever the source)
    same_as: str = ""
    #: columns read and deliberately left out, with the reason (in the report once per file)
    ignore: tuple[tuple[str, str], ...] = ()
    #: the project or programme every entity comes from (coop:project / coop:programme), made if it has a label
    project: Made | None = None
    programme: Made | None = None

    @cached_property
    def signature(self) -> tuple[str, ...]:
        return self.header or tuple(n for n, cols in self.columns.items() if any(c.required for c in cols))

    @cached_property
    def key(self) -> str | None:
        """The column whose value names an entity, if the subject template has exactly one."""
        names = [n for n in PLACEHOLDER.findall(self.subject) if n != "dataset"]
        return placeholder_column(names[0])[0] if len(names) == 1 else None

    @cached_property
    def key_forms(self) -> dict[str, str]:
        """The subject's columns whose value is taken in part (column -> form, such as last_segment)."""
        found = (placeholder_column(n) for n in PLACEHOLDER.findall(self.subject) if n != "dataset")
        return {column: form for column, form in found if form}


def _expand(curie: str, ns: Namespaces, where: str) -> str:
    prefix, sep, local = curie.partition(":")
    if sep and prefix in ns.prefixes:
        return ns.prefixes[prefix] + local
    if curie.startswith(("http://", "https://")):
        return curie
    raise DataError(where, f"unknown prefix in '{curie}' (known: {', '.join(sorted(ns.prefixes))})")


#: The keys of a mapping and of a column spec (docs/reference/mapping-keys.md documents each).
MAPPING_KEYS = (
    "kind file subject class columns order also gazetteer header repeats other_columns fixed missing skip stub_label "
    "same_as ignore project programme"
).split()
COLUMN_KEYS = tuple(f.name for f in fields(Column) if f.name != "name")


def _check_keys(given, known, what: str, where: str) -> None:
    if not isinstance(given, dict):
        raise DataError(where, f"{what} must be a mapping of keys to values, not {type(given).__name__} '{given}'")
    for key in given:
        if key not in known:
            near = difflib.get_close_matches(str(key), known, n=1, cutoff=0.5)
            hint = f"; did you mean '{near[0]}'?" if near else f" (known: {', '.join(known)})"
            raise DataError(where, f"unknown key '{key}' in {what}{hint}")


def _column(name: str, spec: dict, ns: Namespaces, where: str) -> Column:
    _check_keys(spec, COLUMN_KEYS, f"column '{name}'", where)
    s = dict(spec)
    for key in ("property", "datatype", "unmatched", "on_match"):
        if key in s:
            s[key] = _expand(str(s[key]), ns, where)
    if "classes" in s:
        s["classes"] = {str(k): _expand(str(v), ns, where) for k, v in s["classes"].items()}
    if "values" in s:
        s["values"] = {str(k).casefold(): str(v) for k, v in s["values"].items()}
    if "parts" in s:
        s["parts"] = tuple(_expand(str(part), ns, where) for part in s["parts"])
    if "key" in s:
        s["key"] = {str(k): str(v) for k, v in s["key"].items()}
    if "scheme" in s:
        s["scheme"] = _scheme(name, s["scheme"], where)
    if isinstance(s.get("split"), list):
        s["split"] = tuple(str(sep) for sep in s["split"])
    if s.get("split") is not None and "" in (s["split"] if isinstance(s["split"], tuple) else (str(s["split"]),)):
        raise DataError(where, f"column '{name}': split takes a separator such as \";\" or lines, not an empty one")
    if "missing" in s:
        given = s["missing"] if isinstance(s["missing"], list) else [s["missing"]] if s["missing"] else []
        s["missing"] = tuple(str(v) for v in given)
    if s.get("scheme") is not None and (s.get("concept") or s.get("link") or s.get("iri") or not s.get("property")):
        raise DataError(where, f"column '{name}': a scheme column has a property and no concept, link or iri")
    texts = "default text iri lang link concept split postcode date_form geonames decimal".split()
    if isinstance(s.get("split"), tuple):
        texts.remove("split")
    for key in texts:
        if s.get(key) is not None:
            s[key] = str(s[key])
    if s.get("pattern") is not None:
        try:
            re.compile(str(s["pattern"]))
        except re.error as e:
            raise DataError(where, f"column '{name}': the pattern is not a regular expression: {e}") from None
        s["pattern"] = str(s["pattern"])
    return Column(name=name, **s)


def _scheme(column: str, spec, where: str) -> Scheme:
    """A column's `scheme`: a name (`gp-themes`), or `{name: gp-themes, label: "Themes of the platform"}`."""
    if isinstance(spec, str):
        spec = {"name": spec}
    _check_keys(spec, ["name", "label"], f"the scheme of column '{column}'", where)
    name = str(spec.get("name", ""))
    if not _SCHEME_NAME.match(name):
        raise DataError(
            where,
            f"column '{column}': a scheme's name is lower-case letters, digits and dashes (gp-themes), not '{name}'",
        )
    return Scheme(name, str(spec.get("label") or name))


def _made(kind: str, spec, fixed: tuple[tuple[str, str], ...], where: str) -> Made | None:
    """The mapping's `project` or `programme`: `{id: urbact}` links one the store has; with a `label` it is made."""
    if spec is None:
        return None
    if isinstance(spec, str):
        spec = {"id": spec}
    _check_keys(spec, ["id", "label", "acronym", "source"], f"the mapping's {kind}", where)
    label, acronym = str(spec.get("label") or ""), str(spec.get("acronym") or "")
    made_id = str(spec.get("id") or slug(acronym or label))
    if not made_id:
        raise DataError(
            where,
            f"the mapping's {kind} needs an id (one the store has) or a label (to make it): "
            f"{kind}: {{id: ..., label: ...}}",
        )
    source = str(spec.get("source") or next((v for p, v in fixed if p == str(DCTERMS.source)), ""))
    if label and not source:
        raise DataError(
            where,
            f"the mapping's {kind} '{label}' needs a source address: give it `source: URL`, or give the "
            "mapping `fixed: {dcterms:source: URL}`",
        )
    if source and not re.match(r"^https?://[^\s<>\"{}|\\^`]+$", source):
        raise DataError(where, f"the source of the mapping's {kind} is a web address (https://...), not '{source}'")
    return Made(kind, made_id, label, acronym, source)


def _implicit_columns(spec: dict, columns: dict[str, tuple[Column, ...]]) -> None:
    """Columns named only in the subject (a key: required) or in a link's key count as read, with no spec of
    their own; a name close to a column the mapping has is left alone, a typo that the checks then name."""
    named = [(placeholder_column(n)[0], True) for n in PLACEHOLDER.findall(str(spec["subject"])) if n != "dataset"]
    named += [(c, False) for cols in list(columns.values()) for col in cols for c in col.key.values()]
    for name, required in named:
        if name not in columns and not difflib.get_close_matches(name, list(columns), n=1, cutoff=0.8):
            columns[name] = (Column(name=name, required=required),)


def _mapping(spec: dict, ns: Namespaces, where: str) -> Mapping:
    try:
        _check_keys(spec, MAPPING_KEYS, "the mapping", where)
        for key in ("kind", "subject", "columns"):
            if key not in spec:
                raise DataError(where, f"not a valid mapping: '{key}' is missing (see docs/reference/mapping-keys.md)")
        columns = {}
        if not isinstance(spec["columns"], dict):
            raise DataError(where, "columns must map each column name to its spec")
        for name, specs in spec["columns"].items():
            specs = specs if isinstance(specs, list) else [specs or {}]
            columns[str(name)] = tuple(_column(str(name), s or {}, ns, where) for s in specs)
        _implicit_columns(spec, columns)
        other = spec.get("other_columns", "refuse")
        if other not in ("refuse", "ignore"):
            raise DataError(where, f"other_columns is refuse or ignore, not '{other}'")
        skips = []
        for rule in spec.get("skip") or []:
            _check_keys(rule, ["column", "matches", "empty"], "a skip rule", where)
            if "column" not in rule:
                raise DataError(where, "a skip rule names its column: {column: NAME, empty: true} or matches: REGEX")
            if str(rule["column"]) not in columns:
                near = difflib.get_close_matches(str(rule["column"]), list(columns), n=1)
                hint = f"; did you mean '{near[0]}'?" if near else ""
                raise DataError(
                    where, f"a skip rule names the column '{rule['column']}', which the mapping lacks{hint}"
                )
            skips.append(Skip(str(rule["column"]), str(rule["matches"]) if rule.get("matches") else None))
        fixed = tuple(
            (_expand(str(k), ns, where), _fixed_value(str(v), ns)) for k, v in (spec.get("fixed") or {}).items()
        )
        mapping = Mapping(
            kind=str(spec["kind"]),
            file=str(spec.get("file", "")),
            subject=str(spec["subject"]),
            classes=tuple(_expand(str(c), ns, where) for c in spec.get("class", [])),
            columns=columns,
            order=tuple(tuple(pair) for pair in spec.get("order", [])),
            also=tuple(
                Also(a["subject"], _expand(a["property"], ns, where), a["object"]) for a in spec.get("also", [])
            ),
            gazetteer=bool(spec.get("gazetteer", False)),
            source=where,
            header=tuple(str(h) for h in spec.get("header", ())),
            repeats=bool(spec.get("repeats", False)),
            other_columns=other,
            fixed=fixed,
            missing=tuple(str(v) for v in spec.get("missing", ())),
            skip=tuple(skips),
            stub_label=str(spec.get("stub_label", "")),
            same_as=str(spec.get("same_as", "")),
            ignore=tuple((str(k), str(v)) for k, v in (spec.get("ignore") or {}).items()),
            project=_made("project", spec.get("project"), fixed, where),
            programme=_made("programme", spec.get("programme"), fixed, where),
        )
    except DataError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise DataError(where, f"not a valid mapping: missing or wrong entry {e}") from None
    _check_references(mapping, where)
    return mapping


def _fixed_value(value: str, ns: Namespaces) -> str:
    """A fixed value: an absolute IRI, or one of the graph's own entities as id:programme/urbact."""
    prefix, sep, local = value.partition(":")
    return ns.prefixes[prefix] + local if sep and prefix == "id" else value


def _check_references(mapping: Mapping, where: str) -> None:
    """Every column named by the subject, the order pairs, `also` and the link keys is a column of the mapping."""
    placeholders = [placeholder_column(n) for n in PLACEHOLDER.findall(mapping.subject) if n != "dataset"]
    for column, form in placeholders:
        if form and form not in KEY_FORMS:
            near = difflib.get_close_matches(form, list(KEY_FORMS), n=1, cutoff=0.5)
            hint = f"; did you mean '{near[0]}'?" if near else f" (known: {', '.join(KEY_FORMS)})"
            raise DataError(where, f"the subject takes '{column}' as '{form}', which is no form of a key{hint}")
    named = [column for column, _ in placeholders]
    named += [c for pair in mapping.order for c in pair]
    named += [c for a in mapping.also for c in (a.subject, a.object)]
    named += [c for cols in mapping.columns.values() for col in cols for c in col.key.values()]
    named += [col.postcode for cols in mapping.columns.values() for col in cols if col.postcode]
    for cols in mapping.columns.values():
        for col in cols:
            if col.geonames and (col.geonames not in ("latitude", "longitude") or not mapping.same_as):
                raise DataError(
                    where, f"column '{col.name}': geonames is latitude or longitude, in a mapping with same_as"
                )
    if mapping.same_as and mapping.key is None:
        raise DataError(where, f"the {mapping.kind} mapping has same_as, so its subject needs exactly one {{column}}")
    for name in named:
        if name not in mapping.columns:
            near = difflib.get_close_matches(name, list(mapping.columns), n=1)
            hint = f"; did you mean '{near[0]}'?" if near else f" (its columns: {', '.join(mapping.columns)})"
            raise DataError(
                where, f"the {mapping.kind} mapping names the column '{name}', which it does not have{hint}"
            )


def _specs(path: Path) -> list[dict]:
    """The mapping specs in a YAML file: one mapping, or several under `mappings:`."""
    try:
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        line = getattr(getattr(e, "problem_mark", None), "line", None)
        raise DataError(str(path), f"not valid YAML: {e}", line=None if line is None else line + 1) from None
    except OSError as e:
        raise DataError(str(path), f"cannot read the mapping: {e.strerror}") from None
    if isinstance(spec, dict) and isinstance(spec.get("mappings"), list):
        return spec["mappings"]
    if not isinstance(spec, dict):
        raise DataError(str(path), "not a valid mapping: expected a mapping (kind, subject, columns ...)")
    return [spec]


def read_mappings(paths: list[Path], ns: Namespaces) -> dict[str, Mapping]:
    """Parse mapping files into Mappings, keyed by the file name each one reads."""
    result: dict[str, Mapping] = {}
    for path in paths:
        for spec in _specs(path):
            mapping = _mapping(spec, ns, str(path))
            result[mapping.file] = mapping
    return result


def read_mapping_set(paths: list[Path], ns: Namespaces) -> list[Mapping]:
    """Every mapping in the given files (a set such as the CORDIS layouts), for choosing by header row."""
    return [_mapping(spec, ns, str(path)) for path in paths for spec in _specs(path)]


@functools.lru_cache(maxsize=4)
def shipped(ns: Namespaces) -> tuple[dict[str, Mapping], ConceptIndex]:
    """The built-in mappings and the concept index: read once per process, they ship with the code."""
    from kg.resources import mapping_files, ontology_files

    return read_mappings(mapping_files(), ns), ConceptIndex(ontology_files(), ns)


def property_columns(mapping: Mapping) -> dict[str, str]:
    """Property IRI -> the column of this mapping that fills it (the first, when several do)."""
    found: dict[str, str] = {}
    for name, columns in mapping.columns.items():
        for column in columns:
            if column.property:
                found.setdefault(column.property, name)
    return found


def columns_by_property(ns: Namespaces) -> dict[str, str]:
    """Property IRI -> the column of a data file that fills it, to name fields as the files do."""
    result: dict[str, str] = {}
    for mapping in shipped(ns)[0].values():
        for prop, name in property_columns(mapping).items():
            result.setdefault(prop, name)
    return result
