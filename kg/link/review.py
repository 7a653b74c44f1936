"""The review file: pairs of organisations a person decides on (accept or reject), honoured by every build,
load, import and `kg link` after.

A CSV with one row per pair; `decision` is empty (not decided yet), `accept` (the same organisation) or
`reject` (never link them). `kg link` adds the new pairs of the grey zone and keeps every decision made.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

from kg.errors import DataError

__all__ = ["COLUMNS", "Decisions", "read_decisions", "write_review"]

COLUMNS = ("decision", "score", "left", "left_name", "left_place", "right", "right_name", "right_place", "evidence")
_ACCEPT = {"accept", "accepted", "yes", "y", "same", "1", "true"}
_REJECT = {"reject", "rejected", "no", "n", "different", "0", "false"}


@dataclass
class Decisions:
    """What the review file says: accepted and rejected pairs, and every row as it is (to write it back)."""

    accepted: set[frozenset[str]]
    rejected: set[frozenset[str]]
    rows: dict[frozenset[str], dict[str, str]]


def read_decisions(path: Path | None) -> Decisions:
    """The decisions in `path` (none when there is no such file). A row that cannot be read is an error
    naming the file and line, so that no decision is lost silently."""
    decisions = Decisions(set(), set(), {})
    if path is None or not path.exists():
        return decisions
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = {"decision", "left", "right"} - set(reader.fieldnames or ())
            if missing:
                raise DataError(str(path), f"the review file lacks the column(s) {', '.join(sorted(missing))}", line=1)
            for row in reader:
                line = reader.line_num
                left, right = (row.get("left") or "").strip(), (row.get("right") or "").strip()
                if not left or not right or left == right:
                    raise DataError(str(path), "a pair needs two different IRIs in 'left' and 'right'", line=line)
                pair = frozenset((left, right))
                value = (row.get("decision") or "").strip().casefold()
                if value in _ACCEPT:
                    decisions.accepted.add(pair)
                elif value in _REJECT:
                    decisions.rejected.add(pair)
                elif value:
                    reason = f"decision {row['decision']!r} is neither accept nor reject (nor empty)"
                    raise DataError(str(path), reason, line=line)
                if pair in decisions.accepted and pair in decisions.rejected:
                    raise DataError(str(path), "this pair is both accepted and rejected in the file", line=line)
                decisions.rows[pair] = {c: (row.get(c) or "") for c in COLUMNS}
    except UnicodeDecodeError as error:
        raise DataError(str(path), f"not UTF-8 text ({error.reason})") from error
    except csv.Error as error:
        raise DataError(str(path), f"not a CSV file ({error})") from error
    return decisions


def write_review(path: Path, decisions: Decisions, pending: list[dict[str, str]]) -> tuple[int, int]:
    """Write every decided row back and add the `pending` pairs not in the file yet; returns how many rows
    were added and how many are left undecided. Written to a temporary file first, so a failure leaves the
    old file whole."""
    rows = dict(decisions.rows)
    added = 0
    for row in pending:
        pair = frozenset((row["left"], row["right"]))
        if pair not in rows:
            rows[pair] = {c: row.get(c, "") for c in COLUMNS}
            added += 1
        elif not rows[pair]["decision"]:
            rows[pair] = {**rows[pair], **{c: row.get(c, "") for c in COLUMNS if c != "decision"}}
    ordered = sorted(rows.values(), key=lambda r: (r["decision"] != "", -float(r["score"] or 0), r["left"], r["right"]))
    partial = path.with_name(path.name + ".partial")
    with partial.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(ordered)
    os.replace(partial, path)
    return added, sum(1 for row in ordered if not row["decision"])
