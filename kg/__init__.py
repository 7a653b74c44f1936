"""EU cooperation knowledge graph: ontology, loaders, store, validation and analysis."""

__version__ = "0.1.0"
