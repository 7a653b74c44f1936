"""The row mapper: a table and its mapping -> N-Triples text, every cell checked as it is read.

Values that are clearly one value written another way are cleaned (`kg.ingest.clean`) and reported. What
cannot be read is an error naming the file, line and column; or, when the mapper is not strict (`kg
import` without --strict), a bad optional value is left out of its row and a row whose key or required
value is unusable is left out, each in the file's data-quality report.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

from kg.errors import DataError
from kg.ingest import clean
from kg.ingest.concepts import ConceptIndex
from kg.ingest.report import FileReport
from kg.ingest.schema import PLACEHOLDER, Column, Made, Mapping, Scheme, placeholder_column
from kg.ingest.sources import Table, normalise_name
from kg.namespaces import Namespaces
from kg.rdf import iri, literal

__all__ = ["MappedFile", "map_table", "segment"]

_SAFE = re.compile(r"^[A-Za-z0-9._~-]+$")
_XSD = "http://www.w3.org/2001/XMLSchema#"
_GAZETTEER_COLUMNS = ("latitude", "longitude", "geonames")


def segment(value: str) -> str:
    """An IRI path segment for a key: the value itself when it is plain ASCII (P01, 999981634), otherwise a
    readable slug with a stable disambiguator made from the value ('Comune di Firenze' ->
    'comune-di-firenze-1a2b3c4d'): the same value always gives the same segment."""
    if _SAFE.match(value):
        return value
    digest = hashlib.sha1(value.encode("utf-8")).hexdigest()[:8]
    readable = clean.slug(value)
    return f"{readable}-{digest}" if readable else digest


@dataclass
class MappedFile:
    """What mapping one table produced besides its quads: the entities it defines and the links it makes."""

    mapping: Mapping
    where: str
    report: FileReport
    rows: int = 0
    quads: int = 0
    #: entity IRI -> the line that defined it (for validation messages)
    defined: dict[str, int] = field(default_factory=dict)
    #: target IRI as an N-Triples term -> (target kind, line, column, value) of its first use, for messages
    links: dict[str, tuple[str, int, str, str]] = field(default_factory=dict)


class _Problem(Exception):
    """A cell that cannot be used: why, and the report category."""

    def __init__(self, reason: str, category: str = "invalid"):
        super().__init__(reason)
        self.reason, self.category = reason, category


class _Plan:
    """One column spec compiled for one file: how a cell becomes terms, and what to record."""

    __slots__ = ("name", "col", "prop", "convert", "classes", "pattern")

    def __init__(self, name: str, col: Column, prop: str | None, convert, classes: dict[str, str]):
        self.name, self.col, self.prop, self.convert, self.classes = name, col, prop, convert, classes
        self.pattern = re.compile(col.pattern) if col.pattern else None


Notes = list[clean.Note]


class _FileMapper:
    """Maps the rows of one table into N-Triples text; what does not depend on the row is worked out once.

    Terms are written as N-Triples strings, not pyoxigraph objects: making a million Quad objects costs
    more than Oxigraph's parser takes to read the same triples as text.
    """

    def __init__(
        self, table, mapping, mappings_by_kind, concepts, ns, dataset, result, gazetteer, strict, known, matches
    ):
        self.table, self.where = table, table.where
        self.mapping, self.kinds, self.concepts, self.ns = mapping, mappings_by_kind, concepts, ns
        self.dataset, self.result, self.report, self.strict = dataset, result, result.report, strict
        self.known = known or {}  # kind -> the IRIs of it that exist, for links checked as the rows are read
        # kind -> {owl:sameAs IRI -> the store's entity}, for the kinds whose mappings have same_as
        self.matches = matches or {}
        self.same_as = mapping.same_as
        self.gazetteer = gazetteer if mapping.gazetteer else None
        self.places = gazetteer
        self.type_line = f" <{RDF.type}> "
        self.class_terms = [iri(c) for c in mapping.classes]
        self.fixed = [(iri(prop), iri(value)) for prop, value in mapping.fixed]
        self.uncertain_prop = iri(str(ns.coop.uncertainProperty))
        self.unmapped_prop = iri(str(ns.coop.unmappedCode))
        # (placeholder, column, the form of the value it takes) of each {column} of the subject
        self.subject_keys = [
            (n, *placeholder_column(n)) for n in PLACEHOLDER.findall(mapping.subject) if n != "dataset"
        ]
        self.subject_names = [column for _, column, _ in self.subject_keys]
        self.subject_format = self._format(mapping)
        self.country_class = str(ns.coop.Country)
        #: triples made once for the file (the concepts of its own schemes, the project it names), not yet written
        self._pending: list[str] = []
        self._made_terms: set[str] = set()
        self._check_schemes(mapping, concepts)
        self.fixed += self._named_entities(mapping)
        #: a repeated entity's first row: subject IRI -> (line, the values it was described with)
        self._first: dict[str, tuple[int, dict[str, str]]] = {}
        in_also = {c for a in mapping.also for c in (a.subject, a.object)}
        self.compared = [
            name
            for name, cols in mapping.columns.items()
            if name not in in_also and name not in self.subject_names and any(c.property or c.parts for c in cols)
        ]
        for kind in {c.link for cols in mapping.columns.values() for c in cols if c.link}:
            if kind not in mappings_by_kind:
                known = ", ".join(sorted(mappings_by_kind))
                raise DataError(mapping.source, f"links to unknown kind '{kind}' (known: {known})")
        self._noted: set[tuple[int, str, str, str]] = set()
        self._links: list[tuple[str, str, str, str]] = []
        self.also = [(a.subject, iri(a.property), a.object) for a in mapping.also]
        self.skips = [(rule.column, re.compile(rule.matches) if rule.matches else None) for rule in mapping.skip]
        defaults = {name: c.default for name, cols in mapping.columns.items() for c in cols if c.default is not None}
        self.defaults = list(defaults.items())

    def _check_schemes(self, mapping: Mapping, concepts: ConceptIndex) -> None:
        """A scheme a column makes is not one of the ontology's (whose codes `concept:` reads)."""
        for cols in mapping.columns.values():
            for col in cols:
                if col.scheme is not None and col.scheme.name in concepts.schemes():
                    raise DataError(
                        mapping.source,
                        f"column '{col.name}': the scheme '{col.scheme.name}' is one of the ontology's; read its "
                        f"codes with `concept: {col.scheme.name}`, or give the file's own list another name",
                    )

    def _named_entities(self, mapping: Mapping) -> list[tuple[str, str]]:
        """The mapping's project and programme: (property, IRI) for every entity; made when they have a label,
        else links checked as any link is."""
        fixed = []
        for made, prop in ((mapping.project, self.ns.coop.project), (mapping.programme, self.ns.coop.programme)):
            if made is None:
                continue
            target = self.kinds[made.kind]
            term = "<" + _fill(self._format(target), {target.key or "id": segment(made.id)}) + ">"
            fixed.append((iri(str(prop)), term))
            if made.label:
                self._pending += self._made_triples(made, term)
                self.result.defined[term[1:-1]] = 1
            else:
                self.result.links.setdefault(term, (made.kind, 1, "", made.id))
        return fixed

    def _made_triples(self, made: Made, term: str) -> list[str]:
        """The project or programme a mapping makes: its class, label, id, acronym and source."""
        cls = self.ns.coop.Project if made.kind == "project" else self.ns.coop.Programme
        out = [
            f"{term}{self.type_line}{iri(str(cls))} .\n",
            f"{term} {iri(str(RDFS.label))} {literal(made.label)} .\n",
            f"{term} {iri(str(DCTERMS.identifier))} {literal(made.id)} .\n",
            f"{term} {iri(str(DCTERMS.source))} {iri(made.source)} .\n",
        ]
        if made.acronym:
            out.append(f"{term} {iri(str(self.ns.coop.acronym))} {literal(made.acronym)} .\n")
        return out

    def _concept(self, scheme: Scheme, value: str, lang: str | None) -> str:
        """The concept of the file's own scheme for a value (made the first time): one per slug, the first
        spelling its preferred label and the others alternative ones."""
        notation = clean.slug(value) or hashlib.sha1(value.encode("utf-8")).hexdigest()[:8]
        scheme_term = iri(str(self.ns.scheme[scheme.name]))
        concept = iri(self.ns.concept(scheme.name, notation))
        text = literal(value, lang=lang) if lang else literal(value)
        if scheme_term not in self._made_terms:
            self._made_terms.add(scheme_term)
            name = literal(scheme.label, lang=lang) if lang else literal(scheme.label)
            self._pending += [
                f"{scheme_term}{self.type_line}{iri(str(SKOS.ConceptScheme))} .\n",
                f"{scheme_term} {iri(str(SKOS.prefLabel))} {name} .\n",
                f"{scheme_term} {iri(str(RDFS.label))} {name} .\n",
            ]
        if concept not in self._made_terms:
            self._made_terms.add(concept)
            self._pending += [
                f"{concept}{self.type_line}{iri(str(SKOS.Concept))} .\n",
                f"{concept} {iri(str(SKOS.inScheme))} {scheme_term} .\n",
                f"{concept} {iri(str(SKOS.topConceptOf))} {scheme_term} .\n",
                f"{concept} {iri(str(SKOS.notation))} {literal(notation)} .\n",
                f"{concept} {iri(str(SKOS.prefLabel))} {text} .\n",
                f"{concept} {iri(str(RDFS.label))} {text} .\n",
            ]
            self._made_terms.add(concept + text)
        elif concept + text not in self._made_terms:  # another spelling of a value already made
            self._made_terms.add(concept + text)
            self._pending.append(f"{concept} {iri(str(SKOS.altLabel))} {text} .\n")
        return concept

    def _format(self, mapping: Mapping) -> str:
        """The subject template with the base and the dataset filled in; `_fill` puts in the key values."""
        return str(self.ns.id) + mapping.subject.replace("{dataset}", segment(self.dataset))

    # -- compiling the columns

    def plan(self, name: str, col: Column) -> _Plan:
        convert: Callable[[str, Notes], str]
        if col.link:
            target = self.kinds[col.link]
            pattern, key = self._format(target), target.key or "id"

            known = self.known.get(col.link)
            matches, same_as = self.matches.get(col.link, {}), target.same_as
            form = clean.KEY_FORMS.get(target.key_forms.get(key, ""))
            country = self.country_class in target.classes

            def convert(v, notes, pattern=pattern, key=key, kind=col.link):
                if country:
                    v = _country(v, notes)
                try:
                    target = _fill(pattern, {key: segment(form(v) if form else v)})
                except ValueError as e:
                    raise _Problem(str(e), "invalid-key") from None
                if same_as:
                    target = matches.get(same_as.replace("{}", v), target)
                if known is not None and target not in known:
                    raise _Problem(f"unknown {kind} '{v}': nothing in the store has that id", "unknown-target")
                return "<" + target + ">"
        elif col.concept:
            scheme, lookup = col.concept, self.concepts.lookup
            keyword = iri(col.unmatched) if col.unmatched else None

            def convert(v, notes):
                found = lookup(scheme, v)
                if found is None and keyword is not None:
                    notes.append(clean.Note("kept-as-keyword", f"'{v}' is no {scheme} concept: kept as a keyword"))
                    return _Keyword(keyword, literal(v))
                if found is None:
                    allowed = ", ".join(self.concepts.codes(scheme)) or f"none: the scheme '{scheme}' does not exist"
                    raise _Problem(f"unknown {scheme} '{v}' (allowed: {allowed})", "unknown-code")
                return f"<{found}>"
        elif col.scheme is not None:
            scheme, lang = col.scheme, col.lang

            def convert(v, notes):
                return self._concept(scheme, v, lang)
        elif col.iri:
            template = col.iri

            def convert(v, notes):
                try:
                    return iri(template.replace("{}", v))
                except ValueError as e:
                    raise _Problem(str(e), "invalid-iri") from None
        elif col.datatype:
            datatype = col.datatype

            def convert(v, notes, form=col.date_form, mark=col.decimal):
                value, note = _check_datatype(v, datatype, form, mark)
                if note is not None:
                    notes.append(note)
                return literal(value, datatype=datatype)
        elif col.lang:
            lang = col.lang

            def convert(v, notes):
                return literal(v, lang=lang)
        else:

            def convert(v, notes):
                return literal(v)

        if col.text:
            made, text = convert, col.text

            def convert(v, notes):
                return made(text.replace("{}", v), notes)

        prop = iri(col.property) if col.property else None
        classes = {k.casefold(): iri(v) for k, v in col.classes.items()}
        return _Plan(name, col, prop, convert, classes)

    def _columns(self) -> dict[str, int]:
        """Where each column the mapping reads sits in the table, by name or by its normalised form; errors
        for unknown columns (unless ignored) and missing required ones."""
        header, mapping = self.table.header, self.mapping
        exact = {h: i for i, h in enumerate(header)}
        loose = {normalise_name(h): i for i, h in enumerate(header)}
        found: dict[str, int] = {}
        for name in mapping.columns:
            index = exact.get(name, loose.get(normalise_name(name)))
            if index is not None:
                found[name] = index
        ignored = {normalise_name(name): reason for name, reason in mapping.ignore}
        for i, h in enumerate(header):
            if normalise_name(h) in ignored and i not in found.values():
                self.report.add(1, h, "", "column left out", "column-ignored", ignored[normalise_name(h)])
        used = set(found.values())
        unknown = [h for i, h in enumerate(header) if i not in used and h and normalise_name(h) not in ignored]
        if unknown and mapping.other_columns != "ignore":
            raise DataError(
                self.where,
                f"unknown column(s) {', '.join(unknown)}; the {mapping.kind} mapping knows: "
                f"{', '.join(mapping.columns)} (add `other_columns: ignore` to the mapping to read past the others, "
                "or `ignore: {COLUMN: reason}` to name them)",
                line=1,
            )
        required = [n for n, cols in mapping.columns.items() if any(c.required for c in cols)]
        missing = [n for n in required if n not in found]
        if missing:
            raise DataError(
                self.where, f"missing required column(s): {', '.join(missing)}{self._near(missing)}", line=1
            )
        for name in mapping.columns:
            if name in found or (name in _GAZETTEER_COLUMNS and self.gazetteer is not None):
                continue
            near = difflib.get_close_matches(name, [h for h in header if h not in mapping.columns], n=1, cutoff=0.8)
            if near:
                raise DataError(
                    self.where,
                    f"the {mapping.kind} mapping reads a column '{name}', which is not in the file; "
                    f"the nearest is '{near[0]}'",
                    line=1,
                )
            self.report.add(
                1, name, "", "column absent", "column-absent", f"the {mapping.kind} mapping's column is not in the file"
            )
        return found

    def _near(self, names: list[str]) -> str:
        near = [difflib.get_close_matches(n, self.table.header, n=1, cutoff=0.6) for n in names]
        hints = [f"'{m[0]}' for '{n}'" for n, m in zip(names, near, strict=True) if m]
        return f" (the file has {', '.join(hints)}: fix the mapping or the header)" if hints else ""

    # -- reading

    def chunks(self, size: int = 5000) -> Iterator[str]:
        """N-Triples text, `size` rows at a time."""
        mapping, report = self.mapping, self.report
        if not any(self.table.header):
            raise DataError(self.where, "the file is empty: a header row is expected", line=1)
        positions = self._columns()
        names = list(positions) + [
            n for n in _GAZETTEER_COLUMNS if self.gazetteer is not None and n in mapping.columns and n not in positions
        ]
        plans = [self.plan(name, col) for name in names for col in mapping.columns[name]]
        width = len(self.table.header)
        missing = {v.casefold() for v in mapping.missing}
        # placeholders of one column only ("0" means no value in a budget column, not in a count)
        own_missing = {
            name: {v.casefold() for col in cols for v in col.missing}
            for name, cols in mapping.columns.items()
            if any(col.missing for col in cols)
        }
        lines: list[str] = []
        for line, cells in self.table.read():
            if len(cells) > width and any(c.strip() for c in cells[width:]):
                self._drop_row(line, "", "|".join(cells), f"this row has {len(cells)} cells; the header has {width}")
                continue
            values = {name: cells[i].strip() if i < len(cells) else "" for name, i in positions.items()}
            if not any(values.values()):
                continue
            report.rows_read += 1
            self.result.rows += 1
            if missing or own_missing:
                for name, value in values.items():
                    if value and (value.casefold() in missing or value.casefold() in own_missing.get(name, ())):
                        report.add(line, name, value, "dropped value", "placeholder", "a placeholder for no value")
                        values[name] = ""
            if self._skipped(values, line):
                continue
            for name, default in self.defaults:
                if not values.get(name):
                    values[name] = default
                    report.add(line, name, "", "defaulted", "default", f"empty: the default '{default}' was used")
            if self.gazetteer is not None:
                self.gazetteer.complete(values)
            row = self.row(values, line, plans)
            if self._pending:  # the concepts and entities the row made first
                lines.extend(self._pending)
                self._pending = []
            if row is not None:
                lines.extend(row)
                report.rows_loaded += 1
            if self.result.rows % size == 0:
                self.result.quads += len(lines)
                yield "".join(lines)
                lines = []
        lines.extend(self._pending)  # a programme the mapping makes is written even when no row is kept
        self._pending = []
        self.result.quads += len(lines)
        yield "".join(lines)

    def _skipped(self, values: dict[str, str], line: int) -> bool:
        for column, pattern in self.skips:
            value = values.get(column, "")
            if (pattern is None and not value) or (pattern is not None and pattern.search(value)):
                why = f"matches {pattern.pattern}" if pattern is not None else "is empty"
                self.report.add(line, column, value, "skipped row", "row-filter", f"the row's {column} {why}")
                self.report.rows_skipped += 1
                return True
        return False

    def _drop_row(self, line: int, column: str, value: str, reason: str, category: str = "invalid") -> None:
        if self.strict:
            raise DataError(self.where, reason, line=line, column=column or None)
        self.report.add(line, column, value, "dropped row", category, reason)
        self.report.rows_dropped += 1

    # -- one row

    def row(self, values: dict[str, str], line: int, plans: list[_Plan]) -> list[str] | None:
        """The N-Triples lines of one row, or None when the row is left out (and reported)."""
        mapping, result = self.mapping, self.result
        for name in self.subject_names:
            if not values.get(name):
                self._drop_row(line, name, "", f"'{name}' is empty, but it names the row's entity", "empty-key")
                return None
        try:
            subject_iri = _fill(self.subject_format, self._keys(values))
        except ValueError as e:
            self._drop_row(line, "", ", ".join(values[n] for n in self.subject_names), f"a key: {e}", "invalid-key")
            return None
        if self.same_as:
            known = self.matches.get(mapping.kind, {}).get(self.same_as.replace("{}", values[self.subject_names[0]]))
            if known is not None and known != subject_iri:
                return self._matched(known, values, line, plans)
        repeat = subject_iri in result.defined
        if repeat and mapping.repeats:  # the entity again (an organisation on its next participation): known
            self._compare(subject_iri, values, line)
            return self._also_only(f"<{subject_iri}>", values, line, plans)
        if repeat:
            first = result.defined[subject_iri]
            key = ", ".join(values[n] for n in self.subject_names)
            self._drop_row(
                line,
                "",
                key,
                f"duplicate row: {mapping.kind} {key} is already defined on line {first}",
                "duplicate-key",
            )
            return None
        subject = f"<{subject_iri}>"
        self._links: list[tuple[str, str, str, str]] = []  # (object, kind, column, value) of this row
        objects: dict[int, list[str]] = {}  # plan index -> N-Triples objects
        extra: list[str] = []
        for index, plan in enumerate(plans):
            raw = values.get(plan.name, "")
            col = plan.col
            if not raw:
                if col.required:
                    self._drop_row(
                        line, plan.name, "", f"'{plan.name}' is empty, but a value is required", "empty-required"
                    )
                    return None
                continue
            try:
                objects[index] = self._cell(subject, plan, raw, values, line, extra)
            except _Problem as p:
                if self.strict:
                    raise DataError(self.where, p.reason, line=line, column=plan.name) from None
                if col.required:
                    self._drop_row(line, plan.name, raw, p.reason, p.category)
                    return None
                if p.category == "unknown-code" and col.concept:
                    extra.append(f"{subject} {self.unmapped_prop} {literal(raw)} .\n")
                    self.report.add(line, plan.name, raw, "kept as text", "unknown-code", p.reason)
                else:
                    self.report.add(line, plan.name, raw, "dropped value", p.category, p.reason)
        for start, end in mapping.order:
            a, b = _dated(values, start), _dated(values, end)
            if a and b and a > b:
                reason = f"{start} {a} is after {end} {b}"
                if self.strict:
                    raise DataError(self.where, reason, line=line, column=end)
                self.report.add(line, end, values[end], "dropped value", "end-before-start", reason + ": both left out")
                for index, plan in enumerate(plans):
                    if plan.name in (start, end):
                        objects.pop(index, None)
        result.defined[subject_iri] = line
        if mapping.repeats:
            self._first[subject_iri] = (line, {name: values.get(name, "") for name in self.compared})
        return self._triples(subject, plans, objects, extra, line)

    def _keys(self, values: dict[str, str]) -> dict[str, str]:
        """The subject's placeholders filled from the row: each column's value, or the part its form takes."""
        keys = {}
        for placeholder, column, form in self.subject_keys:
            value = values[column]
            keys[placeholder] = segment(clean.KEY_FORMS[form](value) if form else value)
        return keys

    def _compare(self, subject_iri: str, values: dict[str, str], line: int) -> None:
        """Report each value of a repeated entity's row that differs from its first row's (which is kept)."""
        first_line, first = self._first.get(subject_iri, (0, {}))
        key = ", ".join(values[n] for n in self.subject_names)
        for name in self.compared:
            other, kept = values.get(name, ""), first.get(name, "")
            if other and _same_text(other) != _same_text(kept):
                noted = (0, subject_iri, name, _same_text(other))
                if noted in self._noted:
                    continue
                self._noted.add(noted)
                self.report.add(
                    line,
                    name,
                    other,
                    "kept the first",
                    "repeat-differs",
                    f"{self.mapping.kind} {key} <{subject_iri}> was described on line {first_line} with "
                    f"{name} '{kept}', which is kept; this row's '{other}' is left out",
                )

    def _matched(self, subject_iri: str, values: dict[str, str], line: int, plans: list[_Plan]) -> list[str]:
        """A row naming an entity the store already has (the same city from another source): it adds only what
        its columns' on_match properties say (the source's spelling as an alternative name)."""
        key = values[self.subject_names[0]]
        first = subject_iri not in self.result.defined
        self.result.defined.setdefault(subject_iri, line)
        if first:
            self.report.add(
                line,
                self.subject_names[0],
                key,
                "matched",
                "matched-existing",
                f"the store's {self.mapping.kind} <{subject_iri}> has the same {self.same_as.replace('{}', key)}: "
                "the row adds its spelling to that entity",
            )
        out = []
        for plan in plans:
            raw = values.get(plan.name, "")
            if plan.col.on_match and raw:
                out.append(f"<{subject_iri}> {iri(plan.col.on_match)} {literal(raw)} .\n")
        return out

    def _also_only(self, subject: str, values: dict[str, str], line: int, plans: list[_Plan]) -> list[str]:
        """For a repeated entity, only the links its row adds (a topic's row links one more project to it)."""
        if not self.also:
            return []
        needed = {c for subject, _, obj in self.also for c in (subject, obj)}
        self._links = []
        objects: dict[int, list[str]] = {}
        for index, plan in enumerate(plans):
            if plan.name in needed and plan.col.link and values.get(plan.name):
                try:
                    objects[index] = self._cell(subject, plan, values[plan.name], values, line, [])
                except _Problem:
                    continue  # reported on the row that defined the entity, or not needed
        self._record_links(line)
        return self._also_triples(self._cells(plans, objects))

    def _triples(self, subject: str, plans: list[_Plan], objects: dict[int, list[str]], extra, line) -> list[str]:
        typed = subject + self.type_line
        out = [f"{typed}{c} .\n" for c in self.class_terms]
        out += [f"{subject} {prop} {value} .\n" for prop, value in self.fixed]
        self._record_links(line)
        for index, found in objects.items():
            plan = plans[index]
            if plan.prop is not None and not plan.col.parts:
                head = f"{subject} {plan.prop} "
                out += [f"{head}{obj} .\n" for obj in found]
        return out + extra + self._also_triples(self._cells(plans, objects))

    def _record_links(self, line: int) -> None:
        """Keep the row's links (first use of each target), for the check that every link resolves."""
        for obj, kind, column, value in self._links:
            self.result.links.setdefault(obj, (kind, line, column, value))

    @staticmethod
    def _cells(plans: list[_Plan], objects: dict[int, list[str]]) -> dict[str, list[str]]:
        """The row's objects by column; a column that links to entities gives those, not its literals."""
        cells: dict[str, list[str]] = {}
        for index, found in objects.items():
            if plans[index].col.link:
                cells[plans[index].name] = found
            else:
                cells.setdefault(plans[index].name, found)
        return cells

    def _also_triples(self, cells: dict[str, list[str]]) -> list[str]:
        """The mapping's extra triples between the entities the row links to."""
        return [
            f"{s} {prop} {o} .\n"
            for subject, prop, obj in self.also
            for s in cells.get(subject, [])
            for o in cells.get(obj, [])
        ]

    def _cell(self, subject: str, plan: _Plan, raw: str, values: dict[str, str], line: int, extra) -> list[str]:
        """The objects of one cell; raises _Problem for a value that cannot be used."""
        col, report = plan.col, self.report
        raw, note = clean.control_characters(raw)
        notes: Notes = [note] if note else []
        if plan.pattern is not None:
            try:
                raw, note = clean.by_pattern(raw, plan.pattern)
            except ValueError as e:
                raise _Problem(str(e), "pattern") from None
            if note:
                notes.append(note)
        if col.link or col.concept:
            raw, note = clean.collapse_doubled(raw)
            if note:
                notes.append(note)
        if col.geonames and self.places is not None:
            raw = self._geonames_point(col.geonames, raw, values[self.subject_names[0]], notes)
        if col.values and raw.casefold() in col.values:  # a value map may fix a whole cell
            raw = col.values[raw.casefold()]
        if col.postcode:
            note = clean.postcode_note(raw, values.get(col.postcode, ""))
            if note:
                report.add(line, plan.name, raw, "flagged", note.category, note.reason)
        if col.uncertain:
            self._uncertain(subject, raw, line, plan.name, extra)
            return []
        if col.link and col.key:
            link = self._composite_link(plan, values)
            self._links.append((link, col.link, plan.name, ", ".join(values[c] for c in col.key.values())))
            return [link]
        if col.iri == "{}":  # the cell is a web address, or several
            try:
                parts, url_notes = clean.url_list(raw)
            except ValueError as e:
                raise _Problem(str(e), "invalid-url") from None
            notes += url_notes
        else:
            parts = _split(raw, col.split) if col.split else [raw]
        if col.values and col.split:
            parts = [col.values.get(part.casefold(), part) for part in parts]
        if col.parts:
            self._parts(subject, parts, plan, extra, notes)
            found = []
        else:
            found = []
            for part in parts:
                if not part:
                    continue
                term = plan.convert(part, notes)
                if isinstance(term, _Keyword):
                    extra.append(f"{subject} {term.property} {term.literal} .\n")
                    continue
                found.append(term)
                if col.link:
                    self._links.append((found[-1], col.link, plan.name, part))
                if plan.classes and (cls := plan.classes.get(part.casefold())) is not None:
                    extra.append(f"{subject}{self.type_line}{cls} .\n")
        for note in notes:
            key = (line, plan.name, note.category, note.reason)
            if key not in self._noted:  # a column read by two specs is reported once
                self._noted.add(key)
                report.add(line, plan.name, raw, "normalised", note.category, note.reason)
        return found

    def _geonames_point(self, axis: str, raw: str, geonames_id: str, notes: Notes) -> str:
        """GeoNames' latitude or longitude for the row's id, noted when the file's differs; else the cell."""
        point = self.places.point(geonames_id)
        if point is None:
            return raw
        value = point[0] if axis == "latitude" else point[1]
        try:
            differs = abs(float(clean.number(raw, ",")[0]) - float(value)) > 1e-4
        except ValueError:
            differs = True
        if differs:
            notes.append(clean.Note("geonames-point", f"GeoNames' {axis} {value} for id {geonames_id}, not the file's"))
        return value

    def _composite_link(self, plan: _Plan, values: dict[str, str]) -> str:
        """A link to an entity whose key has several parts, taken from several columns of this row."""
        target = self.kinds[plan.col.link]
        parts = {}
        for placeholder, column in plan.col.key.items():
            if not values.get(column):
                raise _Problem(f"'{column}' is empty, but it is part of the {target.kind} key", "empty-key")
            form = clean.KEY_FORMS.get(target.key_forms.get(placeholder, ""))
            try:
                parts[placeholder] = segment(form(values[column]) if form else values[column])
            except ValueError as e:
                raise _Problem(str(e), "invalid-key") from None
        try:
            return "<" + _fill(self._format(target), parts) + ">"
        except KeyError as e:
            raise DataError(
                self.mapping.source,
                f"the key of column '{plan.name}' does not fill {e} of the {target.kind} subject {target.subject}",
            ) from None

    def _parts(self, subject: str, parts: list[str], plan: _Plan, out: list[str], notes: Notes) -> None:
        """One property per part of the cell: 'lat,lon' gives geo:lat and geo:long."""
        properties = plan.col.parts
        if len(parts) != len(properties):
            raise _Problem(f"has {len(parts)} part(s); {len(properties)} are expected", "parts")
        for prop, part in zip(properties, parts, strict=True):
            out.append(f"{subject} {iri(prop)} {plan.convert(part, notes)} .\n")

    def _uncertain(self, subject: str, raw: str, line: int, column: str, out: list[str]) -> None:
        for other in (v.strip() for v in raw.split(";") if v.strip()):
            props = [c.property for c in self.mapping.columns.get(other, ()) if c.property]
            if not props:
                raise _Problem(f"names '{other}', which is not a column of the {self.mapping.kind} mapping")
            for p in props:
                out.append(f"{subject} {self.uncertain_prop} <{p}> .\n")


def _fill(template: str, parts: dict[str, str]) -> str:
    """A subject template with its {column} placeholders filled (column names may hold dots: {City.Statut});
    KeyError for a placeholder with no value."""
    return PLACEHOLDER.sub(
        lambda m: parts[m.group(1)] if m.group(1) in parts else parts[m.group(1).split("|")[0]], template
    )


def _same_text(text: str) -> str:
    """A value compared without case or the spacing of its words."""
    return " ".join(text.split()).casefold()


def _country(value: str, notes: Notes) -> str:
    """A country link's value as its ISO code: a code, or a name in English or a language of the country."""
    try:
        code, note = clean.country_code(value)
    except ValueError as e:
        raise _Problem(str(e), "unknown-country") from None
    if note is not None:
        notes.append(note)
    return code


class _Keyword(str):
    """A part of a concept cell kept as a keyword literal under another property (Column.unmatched)."""

    property: str
    literal: str

    def __new__(cls, prop: str, text: str) -> _Keyword:
        made = super().__new__(cls, text)
        made.property, made.literal = prop, text
        return made


_LINES = re.compile(r"\s*\n\s*|\s{2,}")


def _split(raw: str, separator: str | tuple[str, ...]) -> list[str]:
    """The parts of a cell: split on the separator, or with `lines` on line breaks and runs of spaces; with
    several separators, on each in turn. A part is never split on a separator not declared (a comma)."""
    parts = [raw]
    for sep in (separator,) if isinstance(separator, str) else separator:
        parts = [q for p in parts for q in (_LINES.split(p) if sep == "lines" else p.split(sep))]
    return [p.strip() for p in parts]


def _dated(values: dict[str, str], column: str) -> str:
    """A date cell as YYYY-MM-DD for comparing, or "" when it is not a date."""
    try:
        return clean.iso_date(values.get(column, ""))[0] if values.get(column) else ""
    except ValueError:
        return ""


def map_table(
    table: Table,
    mapping: Mapping,
    mappings_by_kind: dict[str, Mapping],
    concepts: ConceptIndex,
    ns: Namespaces,
    dataset: str,
    result: MappedFile,
    *,
    gazetteer=None,
    strict: bool = True,
    known: dict[str, set[str]] | None = None,
    matches: dict[str, dict[str, str]] | None = None,
) -> Iterator[str]:
    """Yield one table as chunks of N-Triples text, checking each cell. Strict: a DataError at the first bad
    value; otherwise bad values and rows are left out and reported in `result.report`. `result` gathers the
    rows read, the triples made, the entities defined and the links. `known` (kind -> IRIs) checks the links
    to those kinds as each row is read (a bad one is then a bad value, not a stub)."""
    mapper = _FileMapper(
        table, mapping, mappings_by_kind, concepts, ns, dataset, result, gazetteer, strict, known, matches
    )
    yield from mapper.chunks()


_EXAMPLES = {
    "date": "YYYY-MM-DD, e.g. 2012-11-21",
    "gYear": "a year, e.g. 2012",
    "integer": "a whole number",
    "decimal": "a number such as 1741237.30",
    "double": "a number",
}


def _check_datatype(
    value: str, datatype: str, form: str | None = None, decimal: str | None = None
) -> tuple[str, clean.Note | None]:
    """The value in the datatype's lexical form, with what cleaning did; _Problem when it is not one."""
    local = datatype[len(_XSD) :] if datatype.startswith(_XSD) else datatype
    try:
        if local == "date":
            return clean.iso_date(value, form)
        if local == "gYear":
            if not re.fullmatch(r"-?\d{4}", value):
                raise ValueError
            return value, None
        if local in ("decimal", "double", "integer"):
            number, note = clean.number(value, decimal)
            if local == "integer":
                if not re.fullmatch(r"[+-]?\d+(\.0*)?", number):
                    raise ValueError
                number = number.split(".")[0]
            return number, note
    except ValueError as e:
        detail = str(e) if local == "date" else f"'{value}' is not a valid {local} ({_EXAMPLES.get(local, local)})"
        raise _Problem(detail, f"invalid-{local}") from None
    return value, None
