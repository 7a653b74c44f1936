"""The reasons a recommendation or a match comes with, as a code and its values rather than as words.

The pages say them in the reader's language (api/templates/_reasons.html has a sentence for each code);
the commands and the JSON answers say them in English, with `english`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Reason", "english", "FIELDS"]

#: The text fields of a practice a passage is quoted from, in English (the good-practice template's sections).
FIELDS = {
    "title": "title",
    "description": "description",
    "abstract": "one-line description",
    "solution": "solution",
    "approach": "approach",
    "stakeholderInvolvement": "participation",
    "evidenceOfSuccess": "evidence of success",
    "resourcesNeeded": "resources needed",
    "potentialForTransfer": "potential for transfer",
    "difficultiesEncountered": "difficulties encountered",
}


@dataclass(frozen=True)
class Reason:
    """One reason: `code` names the sentence, `values` fill it in (counts, names, a quoted passage).

    The codes and their values:

    - ``theme``: themes (labels), crosswalk (whether one was reached only through the crosswalk);
    - ``transferred``: count;  ``direct_partner``;  ``steps_away``: count;
    - ``partners``: count, names (the first three), more (whether there are more than three);
    - ``shared_facets``: themes, sectors, target_groups (labels; an empty facet is left out);
    - ``passage``: text, field (a key of FIELDS, or "" when not named);
    - ``title``;  ``wording``;  ``meaning``;  ``no_text``: title.
    """

    code: str
    values: dict[str, Any] = field(default_factory=dict)


def _s(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def _theme(v: dict) -> str:
    crossed = " (by the crosswalk between the programmes' themes)" if v.get("crosswalk") else ""
    return f"shares the theme {', '.join(v['themes'])}{crossed}"


def _partners(v: dict) -> str:
    return f"shares {_s(v['count'], 'partner')} ({', '.join(v['names'])}{', ...' if v.get('more') else ''})"


def _facets(v: dict) -> str:
    names = (("themes", "theme"), ("sectors", "sector"), ("target_groups", "target group"))
    parts = [f"{one if len(v[k]) == 1 else one + 's'} {', '.join(v[k])}" for k, one in names if v.get(k)]
    return "shares " + "; ".join(parts)


def _passage(v: dict) -> str:
    where = f" ({FIELDS.get(v['field'], v['field'])})" if v.get("field") else ""
    return f"closest passage{where}: “{v['text']}”"


_ENGLISH: dict[str, Callable[[dict], str]] = {
    "theme": _theme,
    "transferred": lambda v: f"already transferred {_s(v['count'], 'time')}",
    "direct_partner": lambda v: "its owner is a direct partner",
    "steps_away": lambda v: f"its owner is {v['count']} steps away",
    "partners": _partners,
    "shared_facets": _facets,
    "passage": _passage,
    "title": lambda v: "its title",
    "wording": lambda v: "close in wording",
    "meaning": lambda v: "close in meaning",
    "no_text": lambda v: (
        f"{v['title']} has no description, evidence or other text beyond its title, "
        "so it cannot be compared with other practices yet"
    ),
}


def english(reasons: Iterable[Reason]) -> str:
    """The reasons in English, in one line (for the commands and the JSON answers)."""
    return "; ".join(_ENGLISH[r.code](r.values) for r in reasons)
