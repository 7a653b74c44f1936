"""MkDocs hooks (mkdocs.yml `hooks:`): fill the reference pages' generated parts from the code.

The generators are in docs/gen_reference.py, loaded from beside this file (MkDocs loads hooks by path, not as
a package).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

_path = Path(__file__).with_name("gen_reference.py")
_spec = importlib.util.spec_from_file_location("coopkg_docs_gen_reference", _path)
gen_reference = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gen_reference)


def on_page_markdown(markdown, page, config, files):
    return gen_reference.expand(markdown)
