"""A SPARQL query read by its grammar, for the decisions that must not rest on its text: the query form and
the endpoints its SERVICE clauses call. rdflib's parser reads it (the SPARQL 1.1 grammar, with
prefixed names and relative IRIs resolved as the query's prologue and the given base say), so a keyword
glued to an IRI, whitespace and comments between tokens, or a prefixed target read as the engine reads them.

Where rdflib's tokens differ from Oxigraph's, the text is brought to Oxigraph's reading first, or the
caller refuses it: Oxigraph ends a comment at a carriage return and rdflib only at a line feed (so a lone
CR is read as a line feed here); rdflib expands `\\u` escapes everywhere before it parses and Oxigraph only
inside IRIs and strings (so the SERVICE policy refuses a query that holds one: `has_escapes`).

Also here: a short message for a query the engine could not parse (one or two lines, not a list of Unicode
classes)."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from kg.errors import QueryError

__all__ = ["ParsedQuery", "Endpoint", "parse_query", "may_call_a_service", "has_escapes", "is_update", "syntax_message"]

#: rdflib's parser (pyparsing) keeps state while it parses: two threads at once break it ("postParse2()
#: missing 1 required positional argument"), so every use here takes this lock.
_PARSER = threading.Lock()

#: What rdflib's parse tree names each query form.
_FORMS = {"SelectQuery": "SELECT", "AskQuery": "ASK", "ConstructQuery": "CONSTRUCT", "DescribeQuery": "DESCRIBE"}


@dataclass(frozen=True)
class Endpoint:
    """The endpoint of a SERVICE clause: its IRI (None for a variable, or a prefixed name whose prefix is not
    declared) and how the query wrote it: "iri" (absolute, in full), "relative" (resolved against the base),
    "prefixed", "variable" or "unresolved"."""

    iri: str | None
    written: str


@dataclass(frozen=True)
class ParsedQuery:
    """What a query does, read from its parse: its form, the endpoints of its SERVICE clauses, and the
    prefixed names that another reader may split into the SERVICE keyword and a name.

    Oxigraph matches a keyword without asking where the word ends, and ends a local name at its second run
    of dots: `a:b.c.SERVICE:z {}` is one name to the SPARQL grammar (and to rdflib) but `a:b.c . SERVICE :z
    {}` to Oxigraph. Any part of a name after a dot or a colon inside it that begins with the letters of
    SERVICE is reported, so that the policy can refuse what it cannot read the engine's way."""

    form: str
    services: tuple[Endpoint, ...]
    ambiguous_names: tuple[str, ...] = ()


def may_call_a_service(query: str) -> bool:
    """False when the query cannot hold a SERVICE clause at all, so that it need not be parsed here.

    Engines read keywords case-insensitively in ASCII, so a query whose text does not contain the seven
    letters in some case has no SERVICE clause; unless it holds `\\u` escapes, which Oxigraph expands only
    inside IRIs and strings but the SPARQL 1.1 text (and so a SPARQL server such as Fuseki) everywhere
    before parsing: then the letters are looked for in the text with its escapes expanded too. This only
    decides whether to pay for the parser; the parse decides what is refused."""
    if "service" in query.lower():
        return True
    if not has_escapes(query):
        return False
    from rdflib.plugins.sparql.parser import expandUnicodeEscapes

    try:
        return "service" in expandUnicodeEscapes(query).lower()
    except ValueError:  # an escape that names no character: not read here, so not cleared either
        return True


def has_escapes(query: str) -> bool:
    """Whether the text holds a `\\u` or `\\U` sequence, which rdflib and Oxigraph read differently."""
    return "\\u" in query or "\\U" in query


def parse_query(query: str, *, base_iri: str | None = None, prefixes: Mapping[str, str] | None = None) -> ParsedQuery:
    """Read a query by the SPARQL grammar; raises QueryError (with the position) when it does not parse.

    Results are kept for the few hundred most recent texts: the tool's own queries repeat."""
    key = tuple(sorted((prefixes or {}).items()))
    return (_parse if len(query) <= _CACHED_LENGTH else _parse.__wrapped__)(query, base_iri, key)


#: Longer texts are parsed each time, so the kept parses hold at most a few MB.
_CACHED_LENGTH = 8192


@lru_cache(maxsize=512)
def _parse(query: str, base_iri: str | None, prefixes: tuple[tuple[str, str], ...]) -> ParsedQuery:
    # The parse tree, not rdflib's algebra: the algebra drops a FILTER EXISTS nested in another one, with
    # any SERVICE inside it (found by the generated spellings in tests/test_query_policy.py).
    # (rdflib's SPARQL engine loads here, on first use: `import kg.store` does not pay for it.)
    from pyparsing import ParseBaseException, ParseResults
    from rdflib.plugins.sparql.algebra import translatePrologue
    from rdflib.plugins.sparql.parser import parseQuery
    from rdflib.plugins.sparql.parserutils import CompValue
    from rdflib.term import URIRef

    try:
        with _PARSER:
            prologue_tree, tree = parseQuery(_as_oxigraph_lines(query))
        prologue = translatePrologue(prologue_tree, base_iri, dict(prefixes))
    except ParseBaseException as e:
        raise QueryError(f"SPARQL syntax error at line {e.lineno}, column {e.col}: {_one_line(e.msg, 160)}") from None
    except RecursionError:
        raise QueryError("the query is nested too deeply to be read") from None
    except Exception as e:  # noqa: BLE001 - rdflib raises ValueError for a bad \\u escape, Exception for others
        raise QueryError(f"SPARQL syntax error: {_rdflib_message(e)}") from None

    def endpoint(term: object) -> Endpoint:
        """A SERVICE endpoint as an absolute IRI, as the prologue and base say, and how it was written."""
        if isinstance(term, CompValue) and term.name == "pname":
            written = "prefixed"
        elif isinstance(term, URIRef):
            written = "iri" if urlsplit(str(term)).scheme else "relative"
        else:
            return Endpoint(None, "variable")
        try:
            iri = prologue.absolutize(term)
        except Exception:  # noqa: BLE001 - rdflib raises plain Exception for an unknown prefix
            return Endpoint(None, "unresolved")
        return Endpoint(str(iri), written) if isinstance(iri, URIRef) else Endpoint(None, "unresolved")

    services: list[Endpoint] = []
    ambiguous: list[str] = []
    stack: list[object] = [tree]
    while stack:
        item = stack.pop()
        if isinstance(item, CompValue):
            if item.name == "ServiceGraphPattern":
                services.append(endpoint(item["term"]))  # (CompValue.get returns the key itself when missing)
            elif item.name == "pname" and _splits_into_service(item):
                ambiguous.append(f"{item['prefix'] or ''}:{item.get('localname') or ''}")
            stack.extend(item.values())
        elif isinstance(item, list | tuple | ParseResults):
            stack.extend(item)
    return ParsedQuery(_FORMS.get(tree.name, tree.name), tuple(reversed(services)), tuple(ambiguous))


def _splits_into_service(pname) -> bool:
    """Whether a part of a prefixed name after a dot or a colon inside it begins with the letters of SERVICE."""
    prefix = pname["prefix"] or "" if "prefix" in pname else ""
    local = pname["localname"] or "" if "localname" in pname else ""
    parts = prefix.split(".")[1:] + local.replace(":", ".").split(".")[1:]
    return any(part.lower().lstrip("\\").startswith("service") for part in parts)


def _as_oxigraph_lines(query: str) -> str:
    """The text with every line end that Oxigraph sees (CR, LF or both) as a line feed, which is all that
    ends a comment for rdflib; the offsets and line numbers stay those of the text."""
    return query.replace("\r\n", " \n").replace("\r", "\n")


def _one_line(text: str, limit: int) -> str:
    """A message on one line, cut at `limit` characters."""
    return " ".join(text.split())[:limit]


def _rdflib_message(error: Exception) -> str:
    text = str(error)
    if text.startswith("Unknown namespace prefix"):
        name = text.partition(":")[2].strip()
        return f"unknown prefix {name}: (declare it with PREFIX {name}: <...>)"
    return _one_line(text, 200)


def syntax_message(query: str, error: Exception, *, prefixes: Mapping[str, str] | None = None) -> str:
    """A short message for a query the engine refused as a syntax error: the position and what was expected,
    without the character classes; an unknown prefix is named."""
    text = str(error)
    where, sep, rest = text.partition(": ")
    if not (sep and where.startswith("error at ")):
        return _one_line(text, 300)
    line, _, column = where.removeprefix("error at ").partition(":")
    position = f"line {line}, column {column}" if column else f"line {line}"
    if "Prefix not found" in rest:
        return f"SPARQL syntax error at {position}: {_unknown_prefix(query, prefixes)}"
    return f"SPARQL syntax error at {position}: {_keywords(rest)}"


def is_update(text: str) -> bool:
    """Whether the text is a SPARQL Update (to refuse it as such rather than as a syntax error)."""
    from rdflib.plugins.sparql.parser import parseUpdate

    try:
        with _PARSER:
            parseUpdate(text)
    except Exception:  # noqa: BLE001 - pyparsing's errors, or a recursion limit: not an update it can read
        return False
    return True


def _unknown_prefix(query: str, prefixes: Mapping[str, str] | None) -> str:
    """Which prefix a query uses undeclared, as rdflib's translation names it."""
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery

    try:
        with _PARSER:
            tree = parseQuery(query)
        translateQuery(tree, initNs=dict(prefixes or {}))
    except Exception as e:  # noqa: BLE001 - rdflib raises plain Exception for an unknown prefix
        if str(e).startswith("Unknown namespace prefix"):
            return _rdflib_message(e)
    return "an unknown prefix (declare it with PREFIX)"


def _keywords(expected: str) -> str:
    """'expected one of A, B, ['x' ..= 'y' | ...], C' as 'expected one of A, B, C' (at most eight)."""
    head, sep, alternatives = expected.partition("one of ")
    if not sep:
        return _one_line(expected, 160)
    words, depth, current = [], 0, ""
    for char in alternatives:
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
        elif char == "," and depth == 0:
            words.append(current.strip())
            current = ""
            continue
        current += char
    words.append(current.strip())
    keywords = [w for w in words if w and not w.startswith("[")]
    if not keywords:
        return "unexpected text here"
    more = ", ..." if len(keywords) > 8 else ""
    return f"{head}one of {', '.join(keywords[:8])}{more}"
