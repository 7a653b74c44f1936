"""Ways to write a SPARQL query that calls another host, for the refusal tests: a hand-picked list of the
spellings an attacker tries first, and a hypothesis strategy that makes more from the SPARQL 1.1 grammar
(the SERVICE keyword in any case, SILENT or not, any run of whitespace and comments between the tokens, or
none where the grammar allows it; an IRI, a prefixed name or a BASE-relative IRI as the endpoint; the clause
nested in groups, OPTIONAL, UNION, MINUS, GRAPH, EXISTS and subqueries; every query form). And a policy
that lets every one of them through, to test what stands behind the policy."""

from __future__ import annotations

from hypothesis import strategies as st

from kg.query.policy import ServicePolicy

TRIPLE = "{ ?s ?p ?o }"


def hand_spellings(host: str) -> dict[str, str]:
    """Named queries that each call http://HOST/ (or, for the variable endpoints, would)."""
    iri = f"<http://{host}/x>"
    return {
        "glued": f"SELECT * WHERE {{ SERVICE{iri}{TRIPLE} }}",
        "glued-silent": f"SELECT * WHERE {{ SERVICE SILENT{iri}{TRIPLE} }}",
        "mixed-case": f"SELECT * WHERE {{ SeRvIcE{iri}{{ ?s ?p ?o }} }}",
        "lower-case-silent": f"SELECT * WHERE {{ service silent {iri} {TRIPLE} }}",
        "spaced": f"SELECT * WHERE {{ SERVICE {iri} {TRIPLE} }}",
        "ask": f"ASK {{ SERVICE{iri}{TRIPLE} }}",
        "construct": f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE{iri}{TRIPLE} }}",
        "describe": f"DESCRIBE ?s WHERE {{ SERVICE{iri}{TRIPLE} }}",
        "subquery": f"SELECT * WHERE {{ {{ SELECT * WHERE {{ SERVICE{iri}{TRIPLE} }} }} }}",
        "optional": f"SELECT * WHERE {{ OPTIONAL {{ SERVICE{iri}{TRIPLE} }} }}",
        "nested-groups": f"SELECT * WHERE {{ {{ {{ {{ SERVICE{iri}{TRIPLE} }} }} }} }}",
        "union": f"SELECT * WHERE {{ {{ ?a ?b ?c }} UNION {{ SERVICE{iri}{TRIPLE} }} }}",
        "minus": f"SELECT * WHERE {{ ?a ?b ?c MINUS {{ SERVICE{iri}{TRIPLE} }} }}",
        "exists": f"SELECT * WHERE {{ ?a ?b ?c FILTER EXISTS {{ SERVICE{iri}{TRIPLE} }} }}",
        "line-breaks": f"SELECT * WHERE {{ SERVICE\r\n\t\n{iri}\n{TRIPLE} }}",
        "comment-between": f"SELECT * WHERE {{ SERVICE# the keyword, then a comment\n{iri} {TRIPLE} }}",
        "comment-after-silent": f"SELECT * WHERE {{ SERVICE SILENT#\n{iri} {TRIPLE} }}",
        "prefixed-name": f"PREFIX h: <http://{host}/> SELECT * WHERE {{ SERVICE h:x {TRIPLE} }}",
        "prefixed-name-empty-prefix": f"PREFIX : <http://{host}/> SELECT * WHERE {{ SERVICE :x {TRIPLE} }}",
        "prefix-named-service": f"PREFIX service: <http://{host}/> SELECT * WHERE {{ SERVICE service:x {TRIPLE} }}",
        "base-relative": f"BASE <http://{host}/> SELECT * WHERE {{ SERVICE <x> {TRIPLE} }}",
        "escaped-iri": f"SELECT * WHERE {{ SERVICE <http://{host}/\\u0078> {TRIPLE} }}",
        "values-variable": f"SELECT * WHERE {{ VALUES ?e {{ {iri} }} SERVICE ?e {TRIPLE} }}",
        "bind-variable": f"SELECT * WHERE {{ BIND({iri} AS ?e) SERVICE ?e {TRIPLE} }}",
        "trailing-values": f"SELECT * WHERE {{ SERVICE ?e {TRIPLE} }} VALUES ?e {{ {iri} }}",
        "dollar-variable": f"SELECT * WHERE {{ SERVICE $e {TRIPLE} }} VALUES $e {{ {iri} }}",
        "userinfo": f"SELECT * WHERE {{ SERVICE <http://allowed.example@{host}/x> {TRIPLE} }}",
        # where rdflib's tokens differ from Oxigraph's (found by a review): a comment ended by a lone CR,
        # a \\u escape that ends a string for rdflib only, a \\u000A that ends a comment for rdflib only
        "comment-ended-by-cr": f"SELECT * WHERE {{ #\rSERVICE {iri} {TRIPLE}\n}}",
        "escaped-quote-in-string": f'SELECT * WHERE {{ FILTER("\\u0022) # " != "") SERVICE {iri} {TRIPLE}\n}}',
        # names that Oxigraph splits into the keyword and a name (found by an attack on the server): SERVICE
        # after the second run of dots of a local name, and the keyword glued to a prefix
        "split-local-name": (
            f"PREFIX a: <http://ex/> PREFIX : <http://{host}/> SELECT * WHERE {{ ?s ?p a:b.c.SERVICE:z {{ }} }}"
        ),
        "split-local-name-glued": (
            f"PREFIX a: <http://ex/> PREFIX foo: <http://{host}/> SELECT * WHERE {{ ?s ?p a:b.c.SERVICEfoo:z {{ }} }}"
        ),
        "silent-glued-to-a-prefix": f"PREFIX x: <http://{host}/> SELECT * WHERE {{ SERVICE SILENTx:y {TRIPLE} }}",
        "escaped-line-feed-in-comment": (f'SELECT * WHERE {{ # \\u000A FILTER("""\nSERVICE {iri} {TRIPLE}\n# """)\n}}'),
    }


def _any_case(word: str) -> st.SearchStrategy[str]:
    return st.tuples(*(st.sampled_from([c.lower(), c.upper()]) for c in word)).map("".join)


#: What the grammar lets stand between two tokens: whitespace and comments.
_GAP_PARTS = st.sampled_from(
    [" ", "\t", "\n", "\r\n", "\r", "  ", "# a comment\n", "#\n", "#\r", "# a comment\r", "#SERVICE <http://x/>\n"]
)


def _gap(required: bool) -> st.SearchStrategy[str]:
    return st.lists(_GAP_PARTS, min_size=1 if required else 0, max_size=3).map("".join)


@st.composite
def _clause(draw, host: str) -> tuple[str, str]:
    """A SERVICE clause and the prologue it needs."""
    keyword = draw(_any_case("service"))
    silent = draw(st.one_of(st.just(""), _any_case("silent")))
    path = draw(st.text(alphabet="abcxyz019-_", max_size=8))
    kind = draw(st.sampled_from(["iri", "prefixed", "base", "escaped", "split"]))
    prologue = ""
    if kind == "split":  # a local name that Oxigraph ends at its second run of dots, before the keyword
        local = path.strip("-") or "z"
        prologue = f"PREFIX a: <http://ex/> PREFIX : <http://{host}/> "
        return prologue, f"?s ?p a:b.c.{keyword}:{local} {{ ?s ?p ?o }}"
    if kind == "iri":
        target = f"<http://{host}/{path}>"
    elif kind == "escaped":
        target = f"<http://{host}/\\u0061{path}>"
    elif kind == "base":
        prologue, target = f"BASE <http://{host}/> ", f"<{path}>"
    else:
        prefix = draw(st.sampled_from(["h", "service", "silent", "select", "ask", "a1", ""]))
        prologue, target = f"PREFIX {prefix}: <http://{host}/> ", f"{prefix}:{path.strip('-.')}"
    head = keyword + (draw(_gap(True)) + silent if silent else "")
    # the grammar lets an IRI follow the keyword with nothing between; a prefixed name needs a gap
    gap = draw(_gap(required=not target.startswith("<")))
    return prologue, f"{head}{gap}{target}{draw(_gap(False))}{{ ?s ?p ?o }}"


_WRAPPERS = [
    "{body}",
    "{{ {body} }}",
    "OPTIONAL {{ {body} }}",
    "{{ SELECT * WHERE {{ {body} }} }}",
    "{{ ?a ?b ?c }} UNION {{ {body} }}",
    "?a ?b ?c MINUS {{ {body} }}",
    "GRAPH ?g {{ {body} }}",
    "?a ?b ?c FILTER EXISTS {{ {body} }}",
    "?a ?b ?c FILTER NOT EXISTS {{ {body} }}",
    # decoys in front: text that hides what follows from one reader but not from the other
    '?a ?b ?c FILTER("\\u0022) # " != "") {body}\n',
    "# a comment\r{body}",
]

_FORMS = [
    "SELECT * WHERE {{ {body} }}",
    "SELECT (COUNT(*) AS ?n) WHERE {{ {body} }}",
    "ASK {{ {body} }}",
    "ASK WHERE {{ {body} }}",
    "CONSTRUCT {{ ?s ?p ?o }} WHERE {{ {body} }}",
    "DESCRIBE ?s WHERE {{ {body} }}",
]


@st.composite
def service_queries(draw, host: str) -> str:
    """A query, valid SPARQL 1.1, whose SERVICE clause names an endpoint on `host`."""
    prologue, body = draw(_clause(host))
    for wrapper in draw(st.lists(st.sampled_from(_WRAPPERS), max_size=3)):
        body = wrapper.format(body=body)
    return prologue + draw(st.sampled_from(_FORMS)).format(body=body)


class BlindPolicy(ServicePolicy):
    """A SERVICE policy that misses everything: what the network cut, and the binding of parameters as
    values, must hold against on their own."""

    def check(self, query, *, base_iri=None, prefixes=None) -> None:
        return None
