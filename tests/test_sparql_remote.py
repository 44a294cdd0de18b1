"""A remote store as the scale path: the service in front of a real Oxigraph server (PyPI ``oxigraph``).

The fixture starts ``oxigraph serve`` on a free loopback port with a scratch data directory; ``climatekg
build``'s ``load_remote_store`` loads the session's graph into it; an app with ``sparql_endpoint`` set must
then answer as the in-process store does, refuse what it refuses, and still stop a runaway query at its
timeout (the request to the server is abandoned, the client told 503).
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS

CASE = "https://w3id.org/climatekg/id/case/"
BANKS = "SELECT ?case WHERE { ?case ckg:organisation ?org . ?org a ckg:Bank } ORDER BY ?case"
BANK_CASES = [CASE + "case-15", CASE + "case-16"]
QUERIES = [
    BANKS,
    """SELECT ?case ?title WHERE { ?case ckg:organisation/a ckg:Bank ; dcterms:title ?title } ORDER BY ?case ?title""",
    "ASK { case:case-15 ckg:organisation/a ckg:Bank }",
    "ASK { case:case-01 ckg:organisation/a ckg:Bank }",
    "SELECT ?c (COUNT(?t) AS ?n) WHERE { ?c ckg:usesTechnology ?t } GROUP BY ?c ORDER BY DESC(?n) ?c LIMIT 5",
    "PREFIX d: <http://purl.org/dc/terms/> SELECT ?t WHERE { case:case-07 d:title ?t } ORDER BY ?t",
]
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def _oxigraph_binary() -> str:
    local = Path(sys.executable).parent / "oxigraph"
    found = str(local) if local.exists() else shutil.which("oxigraph")
    if not found:
        pytest.fail("the oxigraph server is part of the test extra: pip install -e '.[test]'")
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def oxigraph_server(tmp_path_factory):
    """`oxigraph serve` (read-write: the build loads it) on a free port; stopped at the end."""
    port = _free_port()
    proc = subprocess.Popen([_oxigraph_binary(), "serve", "--location", str(tmp_path_factory.mktemp("oxigraph")),
                             "--bind", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}/query"
    deadline = time.monotonic() + 30
    while True:
        if proc.poll() is not None:
            pytest.fail(f"oxigraph exited: {proc.stderr.read().decode(errors='replace')}")
        try:
            with urllib.request.urlopen(url + "?query=ASK%7B%7D", timeout=2):
                break
        except (urllib.error.URLError, ConnectionError):
            if time.monotonic() > deadline:
                proc.kill()
                pytest.fail("the oxigraph server did not answer within 30 s")
            time.sleep(0.05)
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    proc.stderr.close()


@pytest.fixture(scope="module")
def remote_settings(built_settings, oxigraph_server, tmp_path_factory):
    """Settings with sparql_endpoint, over a copy of the session's build (the marker file goes there)."""
    build = tmp_path_factory.mktemp("remote-build")
    shutil.copy(built_settings.build_dir / "graph.nt", build / "graph.nt")
    return replace(built_settings, build_dir=build, sparql_endpoint=oxigraph_server, sparql_timeout=5.0,
                   sparql_max_rows=100)


@pytest.fixture(scope="module")
def loaded(remote_settings):
    from climatekg.build import load_remote_store

    assert load_remote_store(remote_settings) is True
    return remote_settings


@pytest.fixture(scope="module")
def remote_app(loaded):
    from climatekg.service.app import create_app
    from climatekg.service.resources import get_sparql

    app = create_app(loaded)
    app.config["TESTING"] = True
    yield app
    with app.app_context():
        get_sparql().runner.stop()


@pytest.fixture(scope="module")
def local_app(built_settings):
    from climatekg.service.app import create_app
    from climatekg.service.resources import get_sparql

    app = create_app(replace(built_settings, sparql_max_rows=100))
    app.config["TESTING"] = True
    yield app
    with app.app_context():
        get_sparql().runner.stop()


def _get(app, query, **params):
    return app.test_client().get("/sparql", query_string={"query": query, **params})


def test_build_loads_the_graph_once(loaded, graph_build_dir, capsys):
    from climatekg.build import load_remote_store
    from climatekg.graph.store import RemoteStore

    lines = sum(1 for line in open(graph_build_dir[0] / "graph.nt", encoding="utf-8") if line.strip())
    marker = json.loads((loaded.build_dir / "remote-store.json").read_text())
    assert marker["triples"] == lines and marker["endpoint"] == loaded.sparql_endpoint
    assert load_remote_store(loaded) is False  # up to date: the server still holds this graph
    assert "up to date" in capsys.readouterr().err
    res = RemoteStore(loaded.sparql_endpoint).query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert int(res.rows[0][0].value) == lines


@pytest.mark.parametrize("query", QUERIES)
def test_remote_answers_match_the_local_store(remote_app, local_app, query):
    remote, local = _get(remote_app, query), _get(local_app, query)
    assert remote.status_code == local.status_code == 200, remote.data
    assert json.loads(remote.data) == json.loads(local.data)


def _rows(fmt: str, body: bytes) -> list:
    if fmt == "xml":
        ns = "{http://www.w3.org/2005/sparql-results#}"
        return [[(b.get("name"), b[0].text) for b in r.findall(ns + "binding")]
                for r in ET.fromstring(body).iter(ns + "result")]
    return list(csv.reader(io.StringIO(body.decode("utf-8"), newline=""), delimiter="," if fmt == "csv" else "\t"))


@pytest.mark.parametrize("fmt", ["xml", "csv", "tsv"])
def test_remote_in_other_result_formats(remote_app, local_app, fmt):
    remote, local = _get(remote_app, QUERIES[1], format=fmt), _get(local_app, QUERIES[1], format=fmt)
    assert remote.status_code == 200 and remote.mimetype == local.mimetype
    rows = _rows(fmt, remote.data)
    assert rows == _rows(fmt, local.data) and len(rows) >= 4


def test_remote_construct_and_dataset_clause(remote_app, loaded):
    resp = _get(remote_app, "CONSTRUCT { case:case-01 dcterms:title ?t } WHERE { case:case-01 dcterms:title ?t }")
    assert resp.status_code == 200 and resp.mimetype == "text/turtle"
    g = Graph().parse(data=resp.data, format="turtle")
    assert {o.language for o in g.objects(URIRef(CASE + "case-01"), DCTERMS.title)} == {"zh", "en"}
    dataset = loaded.base_iri + "graph"
    resp = _get(remote_app, f"SELECT ?case FROM <{dataset}> WHERE {{ ?case ckg:organisation/a ckg:Bank }} "
                            "ORDER BY ?case")
    assert [b["case"]["value"] for b in json.loads(resp.data)["results"]["bindings"]] == BANK_CASES


def test_remote_row_limit_is_the_services(remote_app):
    resp = _get(remote_app, "SELECT ?s ?p ?o WHERE { ?s ?p ?o }")
    doc = json.loads(resp.data)
    assert len(doc["results"]["bindings"]) == 100 and doc["truncated"] is True
    assert resp.headers["X-Result-Truncated"] == "true"


def test_remote_refusals_and_errors_never_reach_the_server(remote_app):
    for query, reason in (("SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", "service"),
                          ("CLEAR ALL", "update"),
                          ("SELECT * FROM <http://example.org/g> WHERE { ?s ?p ?o }", "from")):
        resp = _get(remote_app, query)
        assert resp.status_code == 403 and resp.get_json()["error"]["detail"]["reason"] == reason
    err = _get(remote_app, "SELECT ?s WHERE {\n  ?s ?p ?o .\n  FILTER( }").get_json()["error"]
    assert err["status"] == 400 and err["detail"]["line"] == 3
    assert _get(remote_app, "ASK { case:case-15 ?p ?o }").get_json()["boolean"] is True  # the data is all there


def test_remote_runaway_is_abandoned_at_the_timeout(remote_app):
    resp = _get(remote_app, RUNAWAY, timeout="1")
    err = resp.get_json()["error"]
    assert resp.status_code == 503 and err["code"] == "timeout" and err["detail"]["timeout_s"] == 1
    assert _get(remote_app, BANKS).status_code == 200


def test_case_pages_read_the_graph_from_the_server(remote_app, local_app):
    remote, local = remote_app.test_client().get("/api/cases/case-15"), local_app.test_client().get("/api/cases/case-15")
    assert remote.status_code == local.status_code == 200
    assert remote.get_json() == local.get_json() and remote.get_json()["outcomes"]
    with remote_app.app_context():
        from climatekg.service.resources import get_store

        assert get_store().name == "remote"


def test_an_unreachable_server_is_a_503_naming_it(built_settings):
    from climatekg.service.app import create_app
    from climatekg.service.resources import get_sparql

    url = f"http://127.0.0.1:{_free_port()}/query"
    app = create_app(replace(built_settings, sparql_endpoint=url))
    app.config["TESTING"] = True
    try:
        resp = _get(app, BANKS)
        assert resp.status_code == 503 and url in resp.get_json()["error"]["message"]
    finally:
        with app.app_context():
            get_sparql().runner.stop()


def test_settings_check_the_endpoint_and_the_limits():
    from climatekg.config import SettingsError, load_settings

    assert load_settings(sparql_endpoint="http://127.0.0.1:7878/query").sparql_endpoint.endswith("/query")
    for bad in ({"sparql_endpoint": "file:///etc/passwd"}, {"sparql_endpoint": "127.0.0.1:7878"},
                {"sparql_workers": 0}, {"sparql_queue_wait": -1}):
        with pytest.raises(SettingsError):
            load_settings(**bad)


def test_the_graph_store_url_follows_oxigraphs_layout_or_the_setting():
    from climatekg.graph.store import graph_store_url

    assert graph_store_url("http://h:7878/query") == "http://h:7878/store"
    assert graph_store_url("http://h/ds/sparql") == "http://h/ds/store"
    assert graph_store_url("http://h:8890/sparql", "http://h:8890/sparql-graph-crud") == "http://h:8890/sparql-graph-crud"
    with pytest.raises(ValueError, match="sparql_graph_store"):
        graph_store_url("http://h:7001/")
