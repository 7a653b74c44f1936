"""What the similarity compares of each good practice: its text fields, as passages, and its facets
(themes, sectors, target groups), read from the store in two queries."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kg.errors import AmbiguousId, NotFound
from kg.namespaces import CROSSWALK, FILLER_PATTERN, Namespaces, one_of
from kg.reasons import FIELDS  # the text fields compared, in the order a reason names them
from kg.store import Store
from kg.store.rows import select_rows

__all__ = ["FIELDS", "Practice", "read_practices", "resolve_practice", "sentences"]

#: What the bundled data says of a practice known only by name; it describes no practice, so is not compared.
_FILLER = re.compile(FILLER_PATTERN, re.IGNORECASE)

_TEXTS = """SELECT ?practice ?id ?field ?text WHERE {{
  ?practice a coop:GoodPractice .
  OPTIONAL {{ ?practice dcterms:identifier ?id }}
  {{ ?practice rdfs:label ?text BIND("title" AS ?field) }}
  UNION {{ ?practice dcterms:description ?text BIND("description" AS ?field) }}
  {unions}
  FILTER(LANG(?text) = "" || LANGMATCHES(LANG(?text), "en"))
}}"""
_ORIGINS = """SELECT ?practice (SAMPLE(?name) AS ?origin) WHERE {
  ?practice a coop:GoodPractice .
  { ?practice coop:project ?o . ?o coop:acronym ?name } UNION { ?practice coop:programme ?o . ?o rdfs:label ?name }
} GROUP BY ?practice"""
#: The concepts that tag each practice, ?concept, with their facet, ?facet: a graph pattern, read here for the
#: facets and by kg.practices.crosslingual for the search across languages.
TAGGING_CONCEPTS = f"""?practice a coop:GoodPractice .
  # a practice's own themes count whatever their scheme (a file's own code list too); a theme of another
  # programme counts also as the exchange themes, sectors and target groups it maps to in the crosswalk
  # (close, exact, narrower or broader; a related match is too loose to share a facet)
  {{ ?practice coop:theme ?concept BIND("themes" AS ?facet) }}
  UNION {{ ?practice coop:sector ?concept BIND("sectors" AS ?facet) }}
  UNION {{ ?practice coop:targetGroup ?concept BIND("target groups" AS ?facet) }}
  UNION {{
    ?practice coop:theme ?own . ?own ?match ?concept . {one_of("?match", CROSSWALK)} ?concept skos:inScheme ?scheme .
    VALUES (?scheme ?facet) {{
      (coops:theme "themes") (coops:urbact-theme "themes") (coops:sector "sectors") (coops:target-group "target groups")
    }}
  }}"""
_FACETS = f"""SELECT ?practice ?facet ?label WHERE {{
  {TAGGING_CONCEPTS}
  ?concept skos:prefLabel ?label .
  FILTER(LANGMATCHES(LANG(?label), "en") || LANG(?label) = "")
}}"""


@dataclass
class Practice:
    """One practice as the similarity sees it."""

    iri: str
    id: str = ""
    title: str = ""
    #: field name -> the field's text (fields with no text are absent)
    texts: dict[str, str] = field(default_factory=dict)
    #: "themes", "sectors", "target groups" -> labels
    facets: dict[str, set[str]] = field(default_factory=dict)
    #: where the practice comes from: its project's acronym or its programme's name (INNOCRAFTS, URBACT)
    origin: str = ""

    @property
    def body(self) -> str:
        """The text compared: every field but filler, title first."""
        return "\n".join(_FILLER.sub("", self.texts[f]).strip() for f in FIELDS if f in self.texts).strip()

    @property
    def has_text(self) -> bool:
        """Whether the practice says more than its title (a title alone describes too little to compare)."""
        return any(_FILLER.sub("", t).strip() for f, t in self.texts.items() if f != "title")

    def passages(self) -> list[tuple[str, str]]:
        """(field, sentence) for every sentence of the text fields but the title."""
        return [(f, s) for f in FIELDS if f != "title" and f in self.texts for s in sentences(self.texts[f])]


def sentences(text: str) -> list[str]:
    """The sentences of a text (split at ., ; or : followed by a space), filler left out."""
    parts = re.split(r"(?<=[.;:!?])\s+(?=[A-Z0-9('\"])", _FILLER.sub("", text))
    return [p.strip() for p in parts if len(p.strip()) > 12]


def read_practices(store: Store, ns: Namespaces) -> list[Practice]:
    """Every good practice of the store with its texts and facets, in IRI order (so results are stable)."""
    prefixes = ns.sparql_prefixes()
    unions = "\n  ".join(
        f'UNION {{ ?practice {"dcterms" if f == "abstract" else "coop"}:{f} ?text BIND("{f}" AS ?field) }}'
        for f in FIELDS
        if f not in ("title", "description")
    )
    practices: dict[str, Practice] = {}
    for row in select_rows(store, prefixes + _TEXTS.format(unions=unions)):
        p = practices.setdefault(row["practice"], Practice(row["practice"]))
        p.id = p.id or row["id"]
        if row["field"] == "title":
            p.title = p.title or row["text"]
        if row["field"] in p.texts:  # several values (another source's wording): kept together
            if row["text"] not in p.texts[row["field"]]:
                p.texts[row["field"]] += " " + row["text"]
        else:
            p.texts[row["field"]] = row["text"]
    for row in select_rows(store, prefixes + _ORIGINS):
        if row["practice"] in practices:
            practices[row["practice"]].origin = row["origin"]
    for row in select_rows(store, prefixes + _FACETS):
        if row["practice"] in practices:
            practices[row["practice"]].facets.setdefault(row["facet"], set()).add(row["label"])
    return [practices[k] for k in sorted(practices)]


def resolve_practice(practices: list[Practice], key: str) -> Practice:
    """A practice by its IRI or id (IC-GP01); a clear error when there is none or the id names several."""
    found = [p for p in practices if p.iri == key] or [p for p in practices if p.id == key]
    if not found:
        raise NotFound(f"no practice has the id or IRI '{key}'")
    if len(found) > 1:
        raise AmbiguousId(f"several practices have the id '{key}': {', '.join(p.iri for p in found)}; give the IRI")
    return found[0]
