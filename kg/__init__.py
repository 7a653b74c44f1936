"""EU cooperation knowledge graph: ontology, loaders, store, validation and analysis.

From Python (a notebook): `kg.open(...)` opens a store read-only for queries, saved queries and networks
(kg.notebook, docs/python.md); kg.pipeline builds, loads and imports as the `kg` commands do. Nothing heavy
is imported until it is used, so that `kg --version` starts at once (tests/test_cli_startup.py).
"""

__version__ = "0.1.0"

#: the public names of kg.notebook, imported from it when first used
_NOTEBOOK = ("open", "KnowledgeGraph", "Rows")


def __getattr__(name: str):
    if name in _NOTEBOOK:
        from kg import notebook

        return getattr(notebook, name)
    raise AttributeError(f"module 'kg' has no attribute '{name}'")


def __dir__() -> list[str]:
    return sorted([*globals(), *_NOTEBOOK])
