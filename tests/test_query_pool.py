"""The query pool on its own and behind /sparql: answers written by the engine, admission, memory cap, bodies.

Runaway queries hold workers here on purpose; every assertion is on statuses, headers and answers, never on
how long something took.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from dataclasses import replace

import pytest

CASE = "https://w3id.org/climatekg/id/case/"
BANKS = "SELECT ?case WHERE { ?case ckg:organisation ?org . ?org a ckg:Bank } ORDER BY ?case"
ASK_TRUE = "ASK { case:case-15 ckg:organisation/a ckg:Bank }"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
#: sorts a cartesian product of the graph with itself: memory grows until something stops it
MEMORY_HOG = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f"
JSON_RESULTS = {"results": "json", "graph": "turtle"}


@pytest.fixture(scope="module")
def pool(graph_build_dir):
    from climatekg.graph.query import QueryPool

    with QueryPool(graph_build_dir[0], size=1, dataset_iris={"https://w3id.org/climatekg/graph"}) as p:
        assert p.warm_up()
        yield p


def test_the_engine_writes_the_answer_and_agrees_with_the_rows(pool, store):
    import pyoxigraph as ox

    from climatekg.graph.store import PREFIXES

    written = pool.run(BANKS, max_rows=100, formats=JSON_RESULTS)
    assert set(written) >= {"body", "form", "truncated"} and "rows" not in written
    assert written["form"] == "SELECT" and written["truncated"] is False
    assert json.loads(written["body"]) == json.loads(
        store.store.query(PREFIXES + BANKS).serialize(format=ox.QueryResultsFormat.JSON))
    rows = pool.run(BANKS, max_rows=100)["rows"]
    assert [r[0]["value"] for r in rows] == [CASE + "case-15", CASE + "case-16"]


def test_a_result_past_the_row_limit_is_cut_and_marked(pool):
    for key in ("json", "xml", "csv"):
        result = pool.run("SELECT ?s ?p ?o WHERE { ?s ?p ?o }", max_rows=7,
                          formats={"results": key, "graph": "turtle"})
        assert result["truncated"] is True
        if key == "json":
            doc = json.loads(result["body"])
            assert len(doc["results"]["bindings"]) == 7 and doc["truncated"] is True
        elif key == "xml":
            assert result["body"].count(b"<result>") == 7
        else:
            assert result["body"].count(b"\r\n") == 8  # header + 7 rows
    construct = pool.run("CONSTRUCT WHERE { ?s ?p ?o }", max_rows=7, formats={"results": "json", "graph": "ntriples"})
    assert construct["truncated"] is True and construct["body"].count(b" .\n") == 7


def test_exactly_the_row_limit_is_not_truncated(pool):
    n = len(pool.run("SELECT ?c WHERE { ?c a ckg:Case }")["rows"])
    result = pool.run("SELECT ?c WHERE { ?c a ckg:Case }", max_rows=n, formats=JSON_RESULTS)
    assert result["truncated"] is False and len(json.loads(result["body"])["results"]["bindings"]) == n


def test_refusals_come_back_before_anything_runs(pool):
    from climatekg.graph.query import FormNotAcceptable, QueryRefused, QuerySyntaxError

    with pytest.raises(QueryRefused):
        pool.run("SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", formats=JSON_RESULTS)
    with pytest.raises(FormNotAcceptable):
        pool.run("CONSTRUCT WHERE { ?s ?p ?o }", forms={"SELECT", "ASK"}, formats=JSON_RESULTS)
    with pytest.raises(QuerySyntaxError) as e:
        pool.run("SELECT ?s WHERE {\n  ?s ?p ?o .\n  FILTER( }", formats=JSON_RESULTS)
    assert (e.value.line, e.value.column) == (3, 3)


def test_workers_run_at_a_lower_cpu_priority_than_the_web_process(pool):
    """A runaway query must yield the cores to searches and pages: its worker is niced below its parent."""
    import os

    from climatekg.graph.query.worker import WORKER_NICENESS

    ours = os.getpriority(os.PRIO_PROCESS, 0)
    assert pool.pids and all(os.getpriority(os.PRIO_PROCESS, pid) == min(19, ours + WORKER_NICENESS)
                             for pid in pool.pids)


def test_a_query_waits_at_most_its_deadline_then_is_refused_with_retry_after(graph_build_dir):
    from climatekg.graph.query import Overloaded, QueryPool, QueryTimeout

    with QueryPool(graph_build_dir[0], size=1, queue_wait=0.3) as p:
        assert p.warm_up()
        errors = []
        t = threading.Thread(target=lambda: errors.append(_raises(p.run, RUNAWAY, timeout=3)))
        t.start()
        _until(lambda: p.busy == 1)  # the runaway holds the only worker
        with pytest.raises(Overloaded) as e:
            p.run(ASK_TRUE, timeout=3)
        assert e.value.retry_after >= 1 and not e.value.per_client
        t.join()
        assert isinstance(errors[0], QueryTimeout)
        # a fresh worker takes the killed one's place (a query meanwhile is refused within its wait, not held
        # until the replacement has loaded the store)
        assert p.wait_ready(120) and p.run(ASK_TRUE)["boolean"] is True


def test_a_full_queue_is_refused_at_once(graph_build_dir):
    from climatekg.graph.query import Overloaded, QueryPool

    with QueryPool(graph_build_dir[0], size=1, queue_wait=5, max_queue=1) as p:
        assert p.warm_up()
        outcomes = []
        threads = [threading.Thread(target=lambda: outcomes.append(_raises(p.run, RUNAWAY, timeout=2)))
                   for _ in range(2)]  # one runs, one waits
        threads[0].start()
        _until(lambda: p.busy == 1)
        threads[1].start()
        _until(lambda: p.waiting == 1)
        with pytest.raises(Overloaded, match="waiting"):
            p.run(ASK_TRUE, timeout=2)
        for t in threads:
            t.join()


def test_one_client_gets_no_more_than_its_share(graph_build_dir):
    from climatekg.graph.query import Overloaded, QueryPool

    with QueryPool(graph_build_dir[0], size=2, per_client=1, queue_wait=3) as p:
        assert p.warm_up()
        t = threading.Thread(target=_raises, args=(p.run, RUNAWAY), kwargs={"timeout": 2, "client": "10.0.0.1"})
        t.start()
        _until(lambda: p.busy == 1)
        with pytest.raises(Overloaded) as e:
            p.run(ASK_TRUE, client="10.0.0.1")
        assert e.value.per_client
        assert p.run(ASK_TRUE, client="10.0.0.2")["boolean"] is True  # another client is served meanwhile
        t.join()
        assert p.run(ASK_TRUE, client="10.0.0.1")["boolean"] is True  # and the first again, once its query ended


def test_a_query_past_the_memory_cap_is_answered_and_the_worker_replaced(graph_build_dir):
    from climatekg.graph.query import QueryOutOfMemory, QueryPool

    with QueryPool(graph_build_dir[0], size=1, memory_mb=256) as p:
        assert p.warm_up()
        (first,) = p.pids
        with pytest.raises(QueryOutOfMemory, match="too much memory"):
            p.run(MEMORY_HOG, timeout=60)
        assert p.run(ASK_TRUE)["boolean"] is True
        assert p.pids != [first]


def _until(condition, limit: float = 30) -> None:
    """Wait until condition() holds (the order of events, not a timing)."""
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, "the pool never reached the expected state"
        time.sleep(0.01)


def _raises(fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except Exception as e:  # noqa: BLE001 - the caller inspects it
        return e
    return None


# --------------------------------------------------------------------------- over HTTP


@pytest.fixture
def one_worker_app(built_settings):
    from climatekg.service.app import create_app
    from climatekg.service.resources import get_sparql

    app = create_app(replace(built_settings, sparql_workers=1, sparql_queue_wait=0.3, sparql_client_queries=1))
    app.config["TESTING"] = True
    with app.app_context():
        pool = get_sparql().pool
        assert pool.warm_up()
    yield app, pool
    pool.stop()


def test_busy_is_503_with_retry_after_and_the_client_cap_429(one_worker_app):
    app, pool = one_worker_app
    t = threading.Thread(target=lambda: app.test_client().get(
        "/sparql", query_string={"query": RUNAWAY, "timeout": "2"}, environ_base={"REMOTE_ADDR": "10.0.0.1"}))
    t.start()
    _until(lambda: pool.busy == 1)
    client = app.test_client()
    resp = client.get("/sparql", query_string={"query": ASK_TRUE}, environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert resp.status_code == 503 and resp.get_json()["error"]["code"] == "busy"
    assert int(resp.headers["Retry-After"]) >= 1
    resp = client.get("/sparql", query_string={"query": ASK_TRUE}, environ_base={"REMOTE_ADDR": "10.0.0.1"})
    assert resp.status_code == 429 and resp.get_json()["error"]["code"] == "too_many_requests"
    assert int(resp.headers["Retry-After"]) >= 1
    t.join()
    assert pool.wait_ready(120)  # the runaway's worker was replaced
    assert client.get("/sparql", query_string={"query": ASK_TRUE}).get_json()["boolean"] is True


def test_other_routes_never_wait_for_a_query_worker(one_worker_app):
    """/api/cases reads the graph in the web process: a runaway holding every query worker does not stop it."""
    app, pool = one_worker_app
    assert app.test_client().get("/api/cases/case-01").status_code == 200  # the cases are loaded
    t = threading.Thread(target=lambda: app.test_client().get(
        "/sparql", query_string={"query": RUNAWAY, "timeout": "10"}))
    t.start()
    _until(lambda: pool.busy == 1)
    resp = app.test_client().get("/api/cases/case-15")
    assert pool.busy == 1 and resp.status_code == 200 and resp.get_json()["id"] == "case-15"
    pool.stop()  # ends the runaway
    t.join()


def test_out_of_memory_over_http(built_settings):
    from climatekg.service.app import create_app
    from climatekg.service.resources import get_sparql

    app = create_app(replace(built_settings, sparql_workers=1, sparql_worker_memory_mb=256, sparql_timeout=60))
    app.config["TESTING"] = True
    try:
        resp = app.test_client().get("/sparql", query_string={"query": MEMORY_HOG})
        err = resp.get_json()["error"]
        assert resp.status_code == 503 and err["code"] == "out_of_memory"
        assert "query used too much memory" in err["message"]
        with app.app_context():
            assert get_sparql().pool.wait_ready(120)  # the worker was replaced
        assert app.test_client().get("/sparql", query_string={"query": ASK_TRUE}).get_json()["boolean"] is True
    finally:
        with app.app_context():
            get_sparql().pool.stop()


def test_the_pool_starts_when_the_service_is_made_not_on_the_first_query(built_settings):
    """At boot `service.serve.warm` makes the SPARQL service: its workers load the store from then on."""
    from climatekg.service.app import create_app
    from climatekg.service.resources import get_sparql

    app = create_app(replace(built_settings, sparql_workers=2))
    with app.app_context():
        pool = get_sparql().pool
    try:
        assert len(pool.pids) == 2  # started, before any query was asked
        assert pool.wait_ready(120) and pool.busy == 0
        assert app.test_client().get("/sparql", query_string={"query": ASK_TRUE}).get_json()["boolean"] is True
    finally:
        pool.stop()


def test_a_graph_built_under_another_base_iri_gives_the_same_answers(graph_build_dir, tmp_path):
    """The predeclared prefixes of the minted resources (case:, org: …) follow the base the graph was built
    with (its manifest), in the query workers and in the in-process store alike."""
    from climatekg.graph.query import QueryPool
    from climatekg.graph.sparql_text import DEFAULT_BASE_IRI
    from climatekg.graph.store import open_store

    other = "http://127.0.0.1:8123/kg/"
    src = graph_build_dir[0]
    (tmp_path / "graph.nt").write_text((src / "graph.nt").read_text(encoding="utf-8").replace(
        DEFAULT_BASE_IRI + "id/", other + "id/"), encoding="utf-8")
    manifest = json.loads((src / "graph-manifest.json").read_text(encoding="utf-8"))
    (tmp_path / "graph-manifest.json").write_text(json.dumps({**manifest, "base_iri": other}), encoding="utf-8")
    queries = ["SELECT ?title WHERE { case:case-07 dcterms:title ?title } ORDER BY ?title",
               "SELECT ?o ?v WHERE { case:case-07 ckg:reportsOutcome ?o . ?o schema:value ?v } ORDER BY ?o",
               BANKS]

    def answers(build_dir):
        with QueryPool(build_dir, size=1) as pool:
            rows = [[[t["value"].replace(other, DEFAULT_BASE_IRI) for t in row] for row in pool.run(q)["rows"]]
                    for q in queries]
        store = open_store(build_dir)
        direct = [[[t.value.replace(other, DEFAULT_BASE_IRI) for t in row] for row in store.query(q).rows]
                  for q in queries]
        return rows, direct

    default, rebased = answers(src), answers(tmp_path)
    assert all(default[0]) and rebased == default and default[0] == default[1]
    assert open_store(tmp_path).prefix_map["case"] == other + "id/case/"


def _thread_nice(pid: int, tid: int) -> int | None:
    try:
        stat = open(f"/proc/{pid}/task/{tid}/stat").read()
    except OSError:
        return None  # the thread has ended
    return int(stat.rsplit(")", 1)[1].split()[16])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread priorities are Linux's")
def test_a_long_job_runs_lowered_and_the_next_jobs_at_the_worker_s_own_priority(graph_build_dir):
    """Quick queries run at the service's priority (a lowered worker waits long for the CPU on a busy machine); one
    that runs past DEMOTE_AFTER is lowered WORKER_NICENESS steps, and the jobs after it run on a fresh thread at
    the service's priority again."""
    import os

    from climatekg.graph.query import QueryPool
    from climatekg.graph.query.worker import WORKER_NICENESS

    ours = os.getpriority(os.PRIO_PROCESS, 0)
    long_query = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d a ckg:Case }"  # ~1 M rows counted: ~1 s
    with QueryPool(graph_build_dir[0], size=1) as p:
        assert p.warm_up()
        (w,) = p._registry
        assert p.run("ASK { ?s ?p ?o }")["boolean"]
        first = w.tid
        assert _thread_nice(w.pid, first) == ours
        done = threading.Event()
        answers = []
        t = threading.Thread(target=lambda: (answers.append(p.run(long_query, timeout=60)), done.set()))
        t.start()
        seen = set()
        while not done.is_set():
            seen.add(_thread_nice(w.pid, first))
            done.wait(0.01)
        t.join()
        assert answers and int(answers[0]["rows"][0][0]["value"]) > 1_000_000
        assert min(19, ours + WORKER_NICENESS) in seen, "the long job was not lowered"
        assert w.tid != first and _thread_nice(w.pid, w.tid) == ours
        assert p.run("ASK { ?s ?p ?o }")["boolean"]
        assert _thread_nice(w.pid, w.tid) == ours


def test_run_async_gives_what_run_gives(pool):
    """The event-loop path (the front's /sparql) and the blocking one answer alike: a multi-megabyte answer read
    in pieces from the worker's socket, refusals, and a second query while the one worker is busy (it waits in a
    thread of the pool, then runs)."""
    import asyncio

    from climatekg.graph.query import QueryRefused, QuerySyntaxError

    everything = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o"
    blocking = pool.run(everything, max_rows=100_000, formats=JSON_RESULTS)
    on_loop = asyncio.run(pool.run_async(everything, max_rows=100_000, formats=JSON_RESULTS))
    assert len(on_loop["body"]) > 2_000_000 and on_loop["body"] == blocking["body"]
    assert {k: v for k, v in on_loop.items() if k not in ("body", "seconds")} == \
           {k: v for k, v in blocking.items() if k not in ("body", "seconds")}
    rows_on_loop, rows_blocking = asyncio.run(pool.run_async(BANKS, max_rows=100)), pool.run(BANKS, max_rows=100)
    assert rows_on_loop.pop("seconds") >= 0 and rows_blocking.pop("seconds") >= 0
    assert rows_on_loop == rows_blocking and rows_on_loop["rows"]
    with pytest.raises(QueryRefused):
        asyncio.run(pool.run_async("SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"))
    with pytest.raises(QuerySyntaxError):
        asyncio.run(pool.run_async("SELECT ?s WHERE { ?s ?p }"))

    async def two_at_once():
        return await asyncio.gather(pool.run_async(BANKS, max_rows=100, wait=30),
                                    pool.run_async(ASK_TRUE, max_rows=100, wait=30))

    banks, ask = asyncio.run(two_at_once())
    assert banks["rows"] and ask["boolean"] is True


def test_run_async_kills_a_query_past_its_timeout(graph_build_dir):
    import asyncio

    from climatekg.graph.query import QueryPool, QueryTimeout

    with QueryPool(graph_build_dir[0], size=1) as p:
        assert p.warm_up()
        before = p.pids
        with pytest.raises(QueryTimeout):
            asyncio.run(p.run_async(RUNAWAY, timeout=0.5))
        assert p.run(ASK_TRUE, timeout=60, wait=60)["boolean"] is True
        assert p.pids != before  # the worker that ran it was killed and replaced
