"""The SKOS code lists of the ontology, indexed to check and map code-list cells."""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph
from rdflib.namespace import RDF, SKOS

from kg.namespaces import Namespaces


class ConceptIndex:
    """The SKOS schemes' concepts, found by notation, label or alternative label, to check and map code-list cells."""

    def __init__(self, vocabulary_files: list[Path], ns: Namespaces):
        graph = Graph()
        for path in vocabulary_files:
            graph.parse(data=ns.rebase(path.read_text(encoding="utf-8")), format="turtle")
        self._by_scheme: dict[str, dict[str, str]] = {}
        self._codes: dict[str, list[str]] = {}
        prefix = str(ns.scheme)
        for concept in graph.subjects(RDF.type, SKOS.Concept):
            for scheme in graph.objects(concept, SKOS.inScheme):
                name = str(scheme)[len(prefix) :]
                index = self._by_scheme.setdefault(name, {})
                for value in [
                    *graph.objects(concept, SKOS.notation),
                    *graph.objects(concept, SKOS.prefLabel),
                    *graph.objects(concept, SKOS.altLabel),
                ]:
                    index[str(value).casefold()] = str(concept)
                self._codes.setdefault(name, []).extend(str(n) for n in graph.objects(concept, SKOS.notation))

    def schemes(self) -> list[str]:
        return sorted(self._by_scheme)

    def lookup(self, scheme: str, value: str) -> str | None:
        return self._by_scheme.get(scheme, {}).get(value.casefold())

    def codes(self, scheme: str) -> list[str]:
        return sorted(self._codes.get(scheme, []))
