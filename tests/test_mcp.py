"""The MCP server, end to end with the official SDK's own client: in memory, over stdio (`climatekg mcp` in a
subprocess) and over streamable HTTP (the service's ASGI composition on a free loopback port; the slow test
runs `climatekg serve` itself). The tools must say what the HTTP API says."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.request

import anyio
import pytest

TOOLS = {"search", "ask", "sparql", "get_case", "similar_cases", "list_outcomes"}
UPDATE = "INSERT DATA { <urn:x:a> <urn:x:b> 1 }"


def run(coro_fn, *args):
    return anyio.run(coro_fn, *args)


@pytest.fixture(scope="module")
def server(app):
    from climatekg.service.mcp_server import create_mcp_server

    return create_mcp_server(app)


def connect(target):
    from mcp import Client

    return Client(target)


def text(result) -> str:
    return "".join(getattr(c, "text", "") for c in result.content)


# -- the checks every transport runs -----------------------------------------------------------------------

async def check_listing(client) -> None:
    tools = {t.name: t for t in (await client.list_tools()).tools}
    assert set(tools) == TOOLS
    for t in tools.values():
        assert t.description and t.input_schema["type"] == "object" and t.output_schema
        assert t.annotations.read_only_hint is True
    assert tools["search"].input_schema["required"] == ["query"]
    assert tools["search"].input_schema["properties"]["k"]["maximum"] == 50
    pattern = re.compile(tools["get_case"].input_schema["properties"]["case_id"]["pattern"])
    assert all(pattern.match(i) for i in ("case-01", "case-26", "case-my-notes-07", "case-copies-260-100"))
    assert not any(pattern.match(i) for i in ("case-1", "case-01x", "01", "case--01"))
    assert set(tools["list_outcomes"].input_schema["properties"]) == {
        "case", "indicator", "section", "technology", "place", "year", "projected", "limit"}
    resources = {str(r.uri): r for r in (await client.list_resources()).resources}
    assert "climatekg://ontology" in resources and len([u for u in resources if u.startswith("climatekg://case/")]) == 26
    assert resources["climatekg://case/case-01"].mime_type == "application/json"


async def check_cheap_tools(client) -> None:
    """Tools that need no search model: sparql, get_case, list_outcomes, a refused update, bad arguments."""
    r = await client.call_tool("sparql", {"query": "SELECT ?id ?n WHERE { ?c ckg:caseId ?id ; ckg:caseNumber ?n } "
                                                   "ORDER BY ?n", "max_rows": 3})
    assert not r.is_error
    assert r.structured_content["rows"] == [{"id": "case-01", "n": 1}, {"id": "case-02", "n": 2},
                                            {"id": "case-03", "n": 3}]
    assert r.structured_content["truncated"] is True and json.loads(text(r)) == r.structured_content

    r = await client.call_tool("sparql", {"query": UPDATE})
    assert r.is_error and "SPARQL Update (INSERT DATA) is not allowed: this endpoint is read-only" in text(r)
    r = await client.call_tool("sparql", {"query": "SELECT * WHERE { SERVICE <http://x.invalid/> { ?s ?p ?o } }"})
    assert r.is_error and "SERVICE" in text(r) and "not allowed" in text(r)

    r = await client.call_tool("get_case", {"case_id": "case-01"})
    case = r.structured_content
    assert not r.is_error and case["id"] == "case-01" and case["company"]["en"] == "Danone China"
    para = case["parts"][0]["paragraphs"][0]
    assert para["text"] and para["start_line"] <= para["end_line"]
    r = await client.call_tool("get_case", {"case_id": "case-99"})
    assert r.is_error and "unknown case 'case-99'; valid ids are case-01 … case-26" in text(r)
    r = await client.call_tool("get_case", {"case_id": "Danone"})
    assert r.is_error and "pattern" in text(r), "a bad argument is refused against the schema"

    r = await client.call_tool("list_outcomes", {"case": ["case-01"], "indicator": "装机容量"})
    out = r.structured_content
    assert not r.is_error and out["filters"]["indicator"]["id"] == "capacity"
    pv = next(o for o in out["outcomes"] if o["surface"] == "13.26 MWp")
    assert (pv["case_id"], pv["value"], pv["unit"], pv["start_line"]) == ("case-01", 13260, "kW", 181)
    assert "13.26 MWp" in pv["quote"] and out["download"]["xlsx"].endswith("format=xlsx")
    r = await client.call_tool("list_outcomes", {"indicator": "capacty"})
    assert r.is_error and "did you mean 'capacity'" in text(r)
    r = await client.call_tool("list_outcomes", {"limit": 0})
    assert r.is_error and "greater than or equal to 1" in text(r)


async def check_model_tools(client) -> None:
    """search, ask and similar_cases (these load the search model)."""
    r = await client.call_tool("search", {"query": "奶牛场粪污制沼气", "k": 3})
    res = r.structured_content["results"]
    assert not r.is_error and len(res) == 3
    assert all(x["case_id"].startswith("case-") and x["passages"][0]["start_line"] for x in res)
    r = await client.call_tool("search", {"query": "光伏", "k": 999})
    assert r.is_error and "less than or equal to 50" in text(r)
    r = await client.call_tool("search", {"query": "光伏", "technology": "perpetual-motion"})
    assert r.is_error and "unknown technology" in text(r)

    r = await client.call_tool("ask", {"question": "达能的屋顶光伏装机容量是多少？"})
    a = r.structured_content
    assert not r.is_error and a["answered"] and a["citations"]
    assert all(c["case_id"] and c["quote"] and c["start_line"] for c in a["citations"])

    r = await client.call_tool("similar_cases", {"case_id": "case-07", "k": 2})
    sim = r.structured_content["results"]
    assert not r.is_error and len(sim) == 2 and all(s["case_id"] != "case-07" for s in sim)
    r = await client.call_tool("similar_cases", {"text": "奶牛场粪污制沼气", "k": 1})
    assert not r.is_error and len(r.structured_content["results"]) == 1
    r = await client.call_tool("similar_cases", {"case_id": "case-07", "text": "沼气"})
    assert r.is_error and "exactly one of case_id and text" in text(r)


# -- in memory ---------------------------------------------------------------------------------------------

def test_in_memory_listing_cheap_tools_and_errors(server):
    async def main():
        async with connect(server) as client:
            await check_listing(client)
            await check_cheap_tools(client)

    run(main)


def test_in_memory_search_ask_and_similar(server):
    async def main():
        async with connect(server) as client:
            await check_model_tools(client)

    run(main)


def test_tools_say_what_the_http_api_says(server, client):
    """One implementation behind both: the tool results equal the routes' JSON."""
    async def main():
        async with connect(server) as mcp:
            case = (await mcp.call_tool("get_case", {"case_id": "case-12"})).structured_content
            outs = (await mcp.call_tool("list_outcomes", {"technology": "biogas", "projected": False,
                                                          "limit": 1000})).structured_content
            found = (await mcp.call_tool("search", {"query": "carbon finance", "k": 4,
                                                    "section": "s3"})).structured_content
            sim = (await mcp.call_tool("similar_cases", {"case_id": "case-03", "k": 3})).structured_content
            return case, outs, found, sim

    case, outs, found, sim = run(main)
    assert case == client.get("/api/cases/case-12").get_json()
    http = client.get("/api/outcomes?technology=biogas&projected=false").get_json()
    assert outs["outcomes"] == http["outcomes"] and outs["cases"] == http["cases"] and outs["total"] == http["count"]
    assert found == client.get("/api/search?q=carbon+finance&k=4&section=s3").get_json()
    assert sim == client.get("/api/cases/case-03/similar?k=3").get_json()


def test_resources_ontology_and_cases(server, client):
    from rdflib import Graph
    from rdflib.namespace import OWL, RDF

    async def main():
        async with connect(server) as mcp:
            onto = await mcp.read_resource("climatekg://ontology")
            inds = await mcp.read_resource("climatekg://ontology/indicators")
            case = await mcp.read_resource("climatekg://case/case-05")
            return onto.contents[0], inds.contents[0], case.contents[0]

    onto, inds, case = run(main)
    assert onto.mime_type == "text/turtle"
    g = Graph().parse(data=onto.text, format="turtle")
    assert any(g.triples((None, RDF.type, OWL.Ontology)))
    assert "capacity" in inds.text
    assert json.loads(case.text) == client.get("/api/cases/case-05").get_json()


# -- stdio: `climatekg mcp` in a subprocess ------------------------------------------------------------------

def test_stdio_server(built_settings, search_engine, tmp_path):
    from mcp import StdioServerParameters

    params = StdioServerParameters(
        command=sys.executable, args=["-m", "climatekg.cli", "mcp"],
        env={"CLIMATEKG_BUILD_DIR": str(built_settings.build_dir), "HF_HUB_OFFLINE": "1",
             "TRANSFORMERS_OFFLINE": "1", "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)})

    async def main():
        async with connect(params) as client:
            assert client.server_info.name == "climatekg"
            await check_listing(client)
            await check_cheap_tools(client)

    run(main)


def test_stdio_server_names_the_missing_build(tmp_path):
    env = dict(os.environ, CLIMATEKG_BUILD_DIR=str(tmp_path / "nothing"))
    p = subprocess.run([sys.executable, "-m", "climatekg.cli", "mcp"], env=env, capture_output=True, text=True,
                       timeout=120, stdin=subprocess.DEVNULL)
    assert p.returncode == 2 and "run 'climatekg build'" in p.stderr and p.stdout == ""


# -- streamable HTTP: the service's front with /mcp mounted, on a free port ---------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def http_service(app):
    """The service's front (Flask + the MOUNTS, /mcp among them) under uvicorn on a free loopback port, in a
    thread; stopped at the end."""
    import uvicorn

    from climatekg.service.front import build_front

    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(build_front(app, app.config["SETTINGS"]), host="127.0.0.1", port=port,
                                        log_level="warning", lifespan="on"))
    thread = threading.Thread(target=srv.run, name="uvicorn-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not srv.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=30)
    assert not thread.is_alive()


def test_streamable_http_mounted_beside_the_flask_app(http_service):
    async def main():
        async with connect(http_service + "/mcp") as client:
            assert client.server_info.name == "climatekg"
            await check_listing(client)
            await check_cheap_tools(client)

    run(main)
    with urllib.request.urlopen(http_service + "/api/outcomes?case=case-01&format=csv", timeout=30) as r:
        assert r.status == 200 and r.headers["Content-Type"] == "text/csv; charset=utf-8"
    with urllib.request.urlopen(http_service + "/api/cases/case-01", timeout=30) as r:
        assert json.loads(r.read())["id"] == "case-01"


def test_streamable_http_refuses_foreign_hosts(http_service):
    """On a loopback address the SDK's DNS-rebinding protection refuses another Host header."""
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}).encode()
    req = urllib.request.Request(http_service + "/mcp", data=body, method="POST", headers={
        "Host": "evil.example", "Content-Type": "application/json", "Accept": "application/json, text/event-stream"})
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req, timeout=30)
    assert e.value.code == 421


@pytest.mark.slow
def test_climatekg_serve_offers_mcp(built_settings, search_engine):
    """`climatekg serve` (uvicorn, the front with /mcp mounted) in a subprocess: every tool over HTTP."""
    port = _free_port()
    env = dict(os.environ, CLIMATEKG_BUILD_DIR=str(built_settings.build_dir), HF_HUB_OFFLINE="1",
               TRANSFORMERS_OFFLINE="1")
    proc = subprocess.Popen([sys.executable, "-m", "climatekg.cli", "serve", "--port", str(port), "--workers", "1"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            assert proc.poll() is None, proc.stdout.read().decode(errors="replace")
            try:
                with urllib.request.urlopen(base + "/api/cases", timeout=5) as r:
                    if r.status == 200:
                        break
            except (OSError, urllib.error.URLError):
                pass
            assert time.monotonic() < deadline, "climatekg serve did not answer within 180 s"
            time.sleep(0.5)

        async def main():
            async with connect(base + "/mcp") as client:
                await check_listing(client)
                await check_cheap_tools(client)
                await check_model_tools(client)

        run(main)
        with urllib.request.urlopen(base + "/api/outcomes?indicator=capacity&format=xlsx", timeout=30) as r:
            assert r.status == 200 and r.read(2) == b"PK"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stdout.close()
