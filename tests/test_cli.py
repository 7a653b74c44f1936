"""The kg command as a user runs it: build then query in the same folder, errors without tracebacks."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from helpers import INNOCRAFTS, bundled_rows, query_results_left_in_cycles
from rdflib import Graph

from kg.cli import cli

COMMANDS = ["build", "load", "validate", "query", "queries", "export", "stats"]


@pytest.fixture
def built_here(runner):
    result = runner.invoke(cli, ["build", "--quiet", *map(str, INNOCRAFTS)])
    assert result.exit_code == 0, result.output
    return runner


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_every_command_has_help(runner, command):
    result = runner.invoke(cli, [command, "--help"] if command else ["--help"])
    assert result.exit_code == 0
    assert "Usage: kg" in result.output


@pytest.mark.slow
def test_build_then_query_in_the_same_folder(built_here, tmp_path):
    assert (tmp_path / "kg-store" / "current").exists()
    result = built_here.invoke(cli, ["query", "partners-by-country", "--format", "csv"])
    assert result.exit_code == 0, result.output
    table = list(csv.DictReader(io.StringIO(result.output)))
    assert len(table) == 16
    by_name = {r["name"]: r for r in table}
    assert by_name["Municipality of Florence"]["role"] == "Lead partner"
    assert by_name["Municipality of Florence"]["country"] == "IT"
    assert by_name["Slovak Chamber of Commerce and Industry"]["country"] == "SK"
    assert [r["country"] for r in table] == sorted(r["country"] for r in table)


@pytest.mark.slow
def test_practices_by_theme(built_here):
    result = built_here.invoke(cli, ["query", "practices-by-theme", "-p", "theme=T2", "-f", "json"])
    assert result.exit_code == 0, result.output
    bindings = json.loads(result.output)["results"]["bindings"]
    titles = {b["title"]["value"] for b in bindings}
    assert "FUSE (Crafts Council of Ireland design & innovation programme)" in titles
    assert {b["theme"]["value"] for b in bindings} == {"T2"}


@pytest.mark.slow
def test_events_with_host_city_and_date(built_here):
    result = built_here.invoke(cli, ["query", "events", "-p", "acronym=INNOCRAFTS", "-f", "csv"])
    assert result.exit_code == 0, result.output
    events = list(csv.DictReader(io.StringIO(result.output)))
    assert len(events) == 8
    barcelona = next(e for e in events if e["start"] == "2012-11-21")
    assert (barcelona["cityName"], barcelona["hostName"]) == ("Barcelona", "Chamber of Commerce of Barcelona")


@pytest.mark.slow
def test_transfers_with_source_and_target_place(built_here):
    result = built_here.invoke(cli, ["query", "transfers", "-f", "csv"])
    assert result.exit_code == 0, result.output
    transfers = {t["transfer"].rsplit("/", 1)[-1]: t for t in csv.DictReader(io.StringIO(result.output))}
    assert transfers["TR01"]["sourcePlaces"] == "Spain"
    assert "Florence" in transfers["TR01"]["targetPlaces"]
    assert transfers["TR06"]["targetPlaces"] == "Bulgaria"


@pytest.mark.slow
def test_query_text_and_table_output(built_here):
    result = built_here.invoke(cli, ["query", "SELECT ?n WHERE { ?p a coop:Project ; coop:acronym ?n } ORDER BY ?n"])
    assert result.exit_code == 0, result.output
    assert "INNOCRAFTS" in result.output and "(6 rows)" in result.output


@pytest.mark.slow
def test_query_from_a_file(built_here, tmp_path):
    (tmp_path / "q.rq").write_text("ASK { ?s a <https://w3id.org/coopkg/ontology#Transfer> }")
    result = built_here.invoke(cli, ["query", "q.rq"])
    assert result.output.strip() == "true"


@pytest.mark.slow
def test_bad_query_is_a_clear_error(built_here):
    result = built_here.invoke(cli, ["query", "SELECT ?x WHERE { ?x"])
    assert result.exit_code == 1
    assert "SPARQL syntax error" in result.output
    assert "Traceback" not in result.output


@pytest.mark.slow
def test_bad_csv_exits_non_zero_with_file_and_line(built_here, tmp_path):
    folder = tmp_path / "more"
    folder.mkdir()
    (folder / "events.csv").write_text(
        "id,project,title,kinds,start_date,source_url\n"
        "X1,innocrafts,A meeting,conference,2013-02-30,https://example.org\n"
    )
    before = built_here.invoke(cli, ["stats"]).output
    result = built_here.invoke(cli, ["load", str(folder)])
    assert result.exit_code == 1
    assert "events.csv, line 2, column 'start_date'" in result.output
    assert "Traceback" not in result.output
    assert built_here.invoke(cli, ["stats"]).output == before


def test_query_without_a_store_says_what_to_do(runner):
    result = runner.invoke(cli, ["query", "events"])
    assert result.exit_code == 1
    assert "run `kg build` first" in result.output


@pytest.mark.slow
def test_store_location_from_the_environment(runner, tmp_path, monkeypatch):
    monkeypatch.setenv("KG_STORE", str(tmp_path / "elsewhere"))
    assert runner.invoke(cli, ["build", "-q"]).exit_code == 0
    assert (tmp_path / "elsewhere" / "current").exists()
    assert runner.invoke(cli, ["stats"]).exit_code == 0


@pytest.mark.slow
def test_validate_conforms(built_here):
    result = built_here.invoke(cli, ["validate"])
    assert result.exit_code == 0
    assert "the data conforms" in result.output
    machine = built_here.invoke(cli, ["validate", "--format", "turtle"])
    report = Graph().parse(data=machine.output, format="turtle")
    assert (None, None, None) in report and "ValidationReport" in machine.output


@pytest.mark.slow
@pytest.mark.parametrize(
    "fmt,parser",
    [("turtle", "turtle"), ("ntriples", "nt"), ("jsonld", "json-ld"), ("nquads", "nquads"), ("trig", "trig")],
)
def test_export_parses_back(built_here, fmt, parser, tmp_path):
    out = tmp_path / f"dump.{fmt}"
    result = built_here.invoke(cli, ["export", "--format", fmt, "-o", str(out)])
    assert result.exit_code == 0, result.output
    import warnings

    from rdflib import Dataset

    parsed = Dataset() if parser in ("nquads", "trig") else Graph()
    with warnings.catch_warnings():  # rdflib's own parsers use its deprecated ConjunctiveGraph
        warnings.simplefilter("ignore", DeprecationWarning)
        parsed.parse(data=out.read_bytes(), format=parser)
    stats = built_here.invoke(cli, ["stats"]).output
    quads = int(next(line for line in stats.splitlines() if line.startswith("quads:")).split()[1])
    # a triple format holds the union of the graphs: a triple two sources state (the bundled programmes and
    # the reference table of EU programmes name one programme) is one triple there
    distinct = "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } }"
    triples = int(built_here.invoke(cli, ["query", distinct, "-f", "csv"]).output.split()[1])
    if parser in ("nquads", "trig"):
        assert len(list(parsed.quads())) >= quads
    else:
        assert len(parsed) == triples <= quads


@pytest.mark.slow
def test_stats_counts_classes(built_here):
    result = built_here.invoke(cli, ["stats"])
    assert "coop:GoodPractice" in result.output
    line = next(x for x in result.output.splitlines() if x.startswith("coop:Organisation "))
    assert line.split()[-1] == str(bundled_rows("organisations.csv"))


@pytest.mark.slow
def test_serve_runs_a_production_server_that_stops_gracefully(built_here, tmp_path):
    """`kg serve` (granian) answers SPARQL from a real process; on SIGTERM a request under way still gets its
    answer, the server exits 0, and no query worker process is left behind."""
    import os
    import signal
    import socket
    import subprocess
    import sys
    import threading

    import psutil
    import requests
    from helpers import wait_for

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/sparql"
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("KG_")}, "KG_QUERY_TIMEOUT": "3"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "kg", "serve", "--port", str(port)], cwd=tmp_path, env=env, stderr=subprocess.DEVNULL
    )

    def ask():
        try:
            return requests.get(url, params={"query": "ASK { ?s ?p ?o }"}, headers={"Accept": "application/json"})
        except requests.ConnectionError:
            return None

    try:
        r = wait_for(ask, timeout=60, what="kg serve answering")
        assert r.json()["boolean"] is True
        assert r.headers["Server"] == "coopkg"
        workers = [
            p for p in psutil.Process(proc.pid).children(recursive=True) if "spawn_main" in " ".join(p.cmdline())
        ]
        assert workers  # the pool runs in processes of its own

        answers = []
        heavy = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
        under_way = threading.Thread(target=lambda: answers.append(requests.post(url, data={"query": heavy})))
        under_way.start()
        wait_for(lambda: requests.get(url[: -len("/sparql")] + "/readyz").json()["query_workers"]["busy"], what="busy")
        proc.send_signal(signal.SIGTERM)
        under_way.join(30)
        assert answers and answers[0].status_code == 503  # stopped at the time limit, and told so
        assert "time limit" in answers[0].text
        assert proc.wait(30) == 0

        def gone(p: psutil.Process) -> bool:
            try:
                return p.status() == psutil.STATUS_ZOMBIE
            except psutil.NoSuchProcess:
                return True

        wait_for(lambda: all(gone(p) for p in workers), what="the query workers ending with the server")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.slow
def test_serve_on_a_port_in_use_is_a_clear_error(built_here, tmp_path):
    import socket
    import subprocess
    import sys

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "kg", "serve", "--port", str(port)],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 1
    assert f"cannot serve on 127.0.0.1:{port}" in done.stderr and "in use" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.slow
def test_build_shows_progress_and_a_summary(runner):
    result = runner.invoke(cli, ["build"])
    assert result.exit_code == 0
    assert re.search(r"loaded innocrafts/practices.csv: [1-9][0-9]+ triples", result.stderr)
    assert "validating against the SHACL shapes" in result.stderr
    assert "SHACL: the data conforms" in result.stdout and "quads in the store" in result.stdout


def test_a_bad_setting_is_a_clear_error(runner, monkeypatch):
    monkeypatch.setenv("KG_QUERY_TIMEOUT", "soon")
    result = runner.invoke(cli, ["stats"])
    assert result.exit_code == 1
    assert "KG_QUERY_TIMEOUT must be a float, not 'soon'" in result.output
    assert "Traceback" not in result.output


@pytest.mark.slow
@pytest.mark.parametrize(
    "args, message",
    [
        (["query", "SELECT * WHERE { ?s ?p ?o } LIMIT 1", "-f", "turtle"], "-f turtle is for CONSTRUCT and DESCRIBE"),
        (["--base-iri", "https://example.org", "query", "ASK {}"], "must be an http(s) address ending in '/'"),
        (["query", "missing.rq"], "no saved query and no file named 'missing.rq'"),
        (["query", "SELECT " + "x" * 300], "SPARQL syntax error"),
        (["export", "-o", "missing/dir/x.ttl"], "cannot open 'missing/dir/x.ttl': No such file or directory"),
        (["network", "-o", "missing/dir/x.gexf"], "cannot open 'missing/dir/x.gexf': No such file or directory"),
    ],
    ids=["select-as-turtle", "base-iri", "missing-rq", "long-query", "export-folder", "network-folder"],
)
def test_user_mistakes_are_one_line_errors(built_here, args, message):
    result = built_here.invoke(cli, args)
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert message in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1


@pytest.mark.slow
def test_a_command_that_fails_leaves_no_query_result_in_a_cycle(built_here):
    """The error's traceback holds the frames it passed through, one of them with the query's result."""
    args = ["query", "SELECT * WHERE { ?s ?p ?o } LIMIT 1", "-f", "turtle"]
    assert query_results_left_in_cycles(lambda: built_here.invoke(cli, args)) == []


def test_main_prints_an_os_error_left_over_in_one_line(monkeypatch, capsys):
    import kg.cli.commands as commands

    def broken(**kwargs):
        raise PermissionError(13, "Permission denied", "/srv/kg-store")

    monkeypatch.setattr(commands, "cli", broken)
    with pytest.raises(SystemExit) as exit_info:
        commands.main()
    assert exit_info.value.code == 1
    assert capsys.readouterr().err == "Error: cannot open '/srv/kg-store': Permission denied\n"
