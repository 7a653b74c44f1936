"""The few exception types of the project; their messages are meant for the person running the tool."""

from __future__ import annotations


class KGError(Exception):
    """Base of every error the tool reports to a user without a traceback."""


class DataError(KGError):
    """Bad input: a file that cannot be read, parsed or mapped. Names the file, line or row, and reason."""

    def __init__(self, path: str, reason: str, *, line: int | None = None, column: str | None = None):
        self.path, self.reason, self.line, self.column = path, reason, line, column
        where = path
        if line is not None:
            where += f", line {line}"
        if column:
            where += f", column '{column}'"
        super().__init__(f"{where}: {reason}")


class ValidationFailed(KGError):
    """The data does not conform to the SHACL shapes; carries the readable report and the violations (for a
    summary by rule)."""

    def __init__(self, report: str, count: int, violations: list | None = None):
        self.report, self.count, self.violations = report, count, list(violations or [])
        super().__init__(
            f"{count} SHACL violation(s); nothing was written (use --allow-invalid to load anyway)\n{report}"
        )


class StoreError(KGError):
    """The store cannot be opened or written (missing, locked, read-only, disk full)."""


class NotFound(KGError):
    """No entity has the id or IRI a user gave."""


class AmbiguousId(KGError):
    """An id that several entities share (imported sources reuse ids): the user should give the IRI."""


class QueryError(KGError):
    """A SPARQL query that cannot be parsed or run, or a saved query called with bad parameters."""
