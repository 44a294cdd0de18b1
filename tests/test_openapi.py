"""/openapi.json documents every route of the app — an undocumented route fails here — and the real responses
match the schemas it gives."""

from __future__ import annotations

import re

import pytest

IGNORED_METHODS = {"HEAD", "OPTIONS"}
HTTP_METHODS = {"get", "post", "put", "delete", "patch"}


@pytest.fixture(scope="module")
def doc(app):
    r = app.test_client().get("/openapi.json")
    assert r.status_code == 200 and r.mimetype == "application/json"
    return r.get_json()


def openapi_path(rule: str) -> str:
    """Flask's /api/cases/<case_id> and /id/<path:rest> → OpenAPI's /api/cases/{case_id} and /id/{rest}."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


# -- a small JSON Schema checker (the subset the document uses) -----------------------------------------

def resolve(doc: dict, ref: str) -> dict:
    assert ref.startswith("#/"), ref
    node = doc
    for part in ref[2:].split("/"):
        node = node[part]
    return node


TYPES = {"object": dict, "array": list, "string": str, "boolean": bool, "null": type(None)}


def _is(value, t: str) -> bool:
    if t == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if t == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, TYPES[t])


def check(doc: dict, schema: dict, value, where: str = "$") -> None:
    if "$ref" in schema:
        return check(doc, resolve(doc, schema["$ref"]), value, where)
    if "oneOf" in schema:
        ok = 0
        for sub in schema["oneOf"]:
            try:
                check(doc, sub, value, where)
                ok += 1
            except AssertionError:
                pass
        assert ok == 1, f"{where}: {value!r} matches {ok} of oneOf"
        return None
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        assert any(_is(value, t) for t in types), f"{where}: {value!r:.80} is not {types}"
    if "enum" in schema:
        assert value in schema["enum"], f"{where}: {value!r} not in {schema['enum']}"
    if isinstance(value, dict):
        for key in schema.get("required", []):
            assert key in value, f"{where}: missing '{key}'"
        props = schema.get("properties", {})
        for key, v in value.items():
            if key in props:
                check(doc, props[key], v, f"{where}.{key}")
            elif schema.get("additionalProperties") is False:
                raise AssertionError(f"{where}: unexpected '{key}'")
            elif isinstance(schema.get("additionalProperties"), dict):
                check(doc, schema["additionalProperties"], v, f"{where}.{key}")
    if isinstance(value, list):
        if "minItems" in schema:
            assert len(value) >= schema["minItems"], where
        if "maxItems" in schema:
            assert len(value) <= schema["maxItems"], where
        if "items" in schema:
            for i, v in enumerate(value):
                check(doc, schema["items"], v, f"{where}[{i}]")
    return None


def response_schema(doc: dict, path: str, method: str, status: str, media: str = "application/json") -> dict:
    return doc["paths"][path][method]["responses"][status]["content"][media]["schema"]


# -- the document --------------------------------------------------------------------------------------

def test_is_openapi_3_1(doc):
    assert doc["openapi"].startswith("3.1")
    assert doc["info"]["title"] == "climatekg" and doc["info"]["version"]
    assert "Error" in doc["components"]["schemas"]


def test_every_route_is_documented_with_its_methods(app, doc):
    """Each rule of the URL map (except static) is a path of the document with each of its methods."""
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        path = openapi_path(rule.rule)
        ops = doc["paths"].get(path)
        if ops is None:
            missing.append(f"{rule.rule} (as {path})")
            continue
        for method in sorted(rule.methods - IGNORED_METHODS):
            if method.lower() not in ops:
                missing.append(f"{method} {path}")
    assert not missing, "routes missing from /openapi.json: " + ", ".join(missing)


def test_every_documented_operation_exists(app, doc):
    routes: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        routes.setdefault(openapi_path(rule.rule), set()).update(m.lower() for m in rule.methods)
    for path, ops in doc["paths"].items():
        assert path in routes, f"{path} is documented but the app has no such route"
        for method in set(ops) & HTTP_METHODS:
            assert method in routes[path], f"{method.upper()} {path} is documented but not routed"


def test_sparql_is_documented_with_protocol_parameters(doc):
    ops = doc["paths"]["/sparql"]
    assert {"get", "post"} <= set(ops)
    names = {p["name"] for p in ops["get"]["parameters"]}
    assert {"query", "default-graph-uri", "named-graph-uri", "format", "timeout"} <= names
    body = ops["post"]["requestBody"]["content"]
    assert {"application/x-www-form-urlencoded", "application/sparql-query"} <= set(body)
    assert {"query", "default-graph-uri", "named-graph-uri", "format", "timeout"} <= set(
        body["application/x-www-form-urlencoded"]["schema"]["properties"])


def test_refs_resolve_and_path_parameters_match(doc):
    def walk(node):
        if isinstance(node, dict):
            if "$ref" in node:
                resolve(doc, node["$ref"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(doc)
    for path, ops in doc["paths"].items():
        in_path = set(re.findall(r"{([^}]+)}", path))
        for method, op in ops.items():
            declared = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
            assert declared == in_path, (method, path)
            assert all(p["required"] for p in op.get("parameters", []) if p["in"] == "path")
            assert op.get("operationId") and op.get("summary"), (method, path)
            statuses = set(op["responses"])
            assert "200" in statuses and any(s.startswith("4") for s in statuses), (method, path)
            for status, resp in op["responses"].items():
                assert resp.get("content"), (method, path, status)
                if status[0] in "45" and "application/json" in resp["content"]:
                    assert resp["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}


def test_operation_ids_are_unique(doc):
    ids = [op["operationId"] for ops in doc["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids))


# -- real responses against the schemas -------------------------------------------------------------------

def test_cases_match_their_schemas(client, doc):
    check(doc, response_schema(doc, "/api/cases", "get", "200"), client.get("/api/cases").get_json())
    for cid in ("case-01", "case-15", "case-26"):
        check(doc, response_schema(doc, "/api/cases/{case_id}", "get", "200"), client.get(f"/api/cases/{cid}").get_json())


def test_search_and_similar_match_their_schemas(client, doc):
    r = client.get("/api/search", query_string={"q": "沼气发电", "k": 3})
    check(doc, response_schema(doc, "/api/search", "get", "200"), r.get_json())
    r = client.get("/api/cases/case-26/similar")
    check(doc, response_schema(doc, "/api/cases/{case_id}/similar", "get", "200"), r.get_json())
    r = client.post("/api/similar", json={"text": "光伏", "k": 2})
    check(doc, response_schema(doc, "/api/similar", "post", "200"), r.get_json())


@pytest.mark.parametrize("method, path, status, kwargs", [
    ("get", "/api/cases/case-99", "404", {}),
    ("get", "/api/search", "400", {}),
    ("get", "/api/search?q=" + "x" * 1001, "413", {}),
    ("post", "/api/similar", "415", {"data": "x"}),
    ("post", "/api/cases", "405", {}),
    ("get", "/id/nope", "404", {}),
    ("get", "/sparql?query=SELEC", "400", {}),
])
def test_errors_match_the_error_schema(client, doc, method, path, status, kwargs):
    r = client.open(path, method=method.upper(), **kwargs)
    assert str(r.status_code) == status
    check(doc, {"$ref": "#/components/schemas/Error"}, r.get_json())


def test_documented_query_parameters_are_accepted(client, doc):
    """A documented parameter is never refused as unknown, so the docs and the routes agree."""
    samples = {"q": "光伏", "k": "2", "section": "s1", "technology": "solar-pv", "location": "zhejiang", "year": "2022",
               "format": "ttl", "case": "case-07", "indicator": "capacity", "place": "zhejiang", "projected": "false",
               "query": "ASK {}", "timeout": "5"}
    per_path = {"/api/outcomes": {"format": "csv", "section": "s4"}, "/api/sparql/download": {"format": "xlsx"}}
    for path, ops in doc["paths"].items():
        if "get" not in ops or not path.startswith(("/api/", "/id/", "/ontology")):
            continue
        url = path.replace("{case_id}", "case-01").replace("{rest}", "case/case-01")
        params = [p["name"] for p in ops["get"].get("parameters", []) if p["in"] == "query"]
        query = {name: per_path.get(path, {}).get(name, samples[name]) for name in params}
        r = client.get(url, query_string=query)
        assert r.status_code == 200, (path, query, r.get_data(as_text=True)[:300])
