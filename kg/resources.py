"""Where the shipped ontology, saved queries and bundled data are, in a checkout or an installed wheel."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """The folder `name` ('ontology', 'queries' or 'data'): inside the wheel, else the checkout's root."""
    for candidate in (_PACKAGE / "_resources" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"the '{name}' folder is missing from this installation")


def ontology_files() -> list[Path]:
    """The ontology and its concept schemes, loaded into the graph (the shapes are not)."""
    return sorted(p for p in resource_dir("ontology").glob("*.ttl") if p.name != "shapes.ttl")


def shapes_file() -> Path:
    return resource_dir("ontology") / "shapes.ttl"


def mapping_files() -> list[Path]:
    return sorted((_PACKAGE / "ingest" / "mappings").glob("*.yaml"))


def mapping_sets() -> dict[str, list[Path]]:
    """The built-in sets of mappings for published layouts (cordis ...), by name."""
    root = _PACKAGE / "ingest" / "mappings" / "sets"
    return {d.name: sorted(d.glob("*.yaml")) for d in sorted(root.iterdir()) if d.is_dir()} if root.is_dir() else {}


def bundled_datasets() -> list[Path]:
    """The reference data first (countries), then each bundled dataset folder."""
    data = resource_dir("data")
    return [data / "reference", *sorted(p for p in data.iterdir() if p.is_dir() and p.name != "reference")]
