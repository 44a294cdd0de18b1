"""Adding case collections: parsing a new document, automatic metadata, add/remove/sources, bad files.

The fixture tests/fixtures/two-cases.txt is two invented cases written in the vendored file's layout with its
PDF artifacts: every line followed by a blank line, a title's first line starting with a space, a two-line
title, running page headers ("2024 企业减排案例汇编  7"), one of them between the company line and the first
heading, and a spaced-out line (恒 绿 能 源 是 …).
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from climatekg.corpus.parse import NotACaseCollection, parse_document
from climatekg.corpus.sources import read_registry

FIXTURE = Path(__file__).parent / "fixtures" / "two-cases.txt"


@pytest.fixture(scope="module")
def fixture_parse():
    return parse_document(FIXTURE, "two-cases", "source-two-cases")


def test_fixture_parses_into_two_cases_with_artifacts_removed(fixture_parse):
    coll, skipped = fixture_parse
    assert skipped == []
    assert [c.id for c in coll.cases] == ["case-two-cases-01", "case-two-cases-02"]
    a, b = coll.cases
    assert a.title == "浙江湖畔农村商业银行：绿色信贷支持分布式光伏"
    assert a.company == "浙江湖畔农村商业银行股份有限公司"
    assert b.title == "江苏恒绿新能源科技有限公司：工业园区源网荷储与热泵余热回收"  # two title lines joined
    assert b.company == "江苏恒绿新能源科技有限公司（简称：恒绿能源）"
    assert all(c.collection == "source-two-cases" for c in coll.cases)
    # the three running headers are gone, wherever they fell
    assert coll.removed["page_header"] == [29, 55, 87]
    text = "".join(p.text for c in coll.cases for _, p in c.paragraphs())
    assert "案例汇编" not in text
    assert "恒绿能源是一家综合能源服务企业。" in b.parts["overview"].text  # spaced-out characters rejoined
    # wrapped lines joined, line numbers kept
    results = a.parts["results"].paragraphs[0]
    assert results.text.startswith("项目投运以来，年发电量约4,600万千瓦时，每年减少二氧化碳排放3.8万吨，节约标准煤1.4万吨。")
    assert (results.start_line, results.end_line) == (25, 27)


def test_a_file_that_is_no_case_collection_names_what_was_expected(tmp_path):
    p = tmp_path / "notes.txt"
    p.write_text("会议纪要\n\n今天讨论了项目进度。\n", encoding="utf-8")
    with pytest.raises(NotACaseCollection) as e:
        parse_document(p, "notes", "source-notes")
    msg = str(e.value)
    assert "not a case collection" in msg and "案例概述" in msg and "专家点评" in msg and "company line" in msg


def test_a_case_that_cannot_be_parsed_is_skipped_with_file_and_line(tmp_path):
    lines = FIXTURE.read_text(encoding="utf-8").split("\n")
    assert lines[74] == "项目亮点"  # case 2's highlights heading, line 75
    lines[74] = "项目看点"
    p = tmp_path / "broken.txt"
    p.write_text("\n".join(lines), encoding="utf-8")
    coll, skipped = parse_document(p, "broken", "source-broken", display="broken.txt")
    assert [c.id for c in coll.cases] == ["case-broken-01"]
    assert len(skipped) == 1
    assert skipped[0].source == "broken.txt" and skipped[0].line == 79
    assert "case 2 (case-broken-02)" in skipped[0].reason and "'项目实施'" in skipped[0].reason and "'项目亮点' was expected" in skipped[0].reason


# -- automatic metadata ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def with_fixture(settings, tmp_path_factory):
    """Settings whose sources_dir holds the fixture (registered as 'climatekg add' would), and its inputs."""
    from climatekg.corpus.sources import Source, sha256_bytes, write_registry
    from climatekg.graph.pipeline import load_inputs

    d = tmp_path_factory.mktemp("sources")
    data = FIXTURE.read_bytes()
    shutil.copy(FIXTURE, d / "two-cases.txt")
    write_registry(d, [Source(id="two-cases", file="two-cases.txt", sha256=sha256_bytes(data), text_sha256=sha256_bytes(data),
                              original="two-cases.txt", format="text", cases=["case-two-cases-01", "case-two-cases-02"],
                              stored="two-cases.txt")])
    s = replace(settings, sources_dir=d)
    return s, load_inputs(s)


def test_the_26_keep_their_ids_and_curated_metadata(with_fixture):
    _, (collection, metadata, _) = with_fixture
    ids = [c.id for c in collection.cases]
    assert ids[:26] == [f"case-{n:02d}" for n in range(1, 27)] and len(ids) == 28
    assert all(metadata.cases[i].origin == "curated" for i in ids[:26])
    assert metadata.cases["case-01"].org == "danone-china"


def test_automatic_organisations(with_fixture):
    _, (_, metadata, vocab) = with_fixture
    bank = metadata.orgs[metadata.cases["case-two-cases-01"].org]
    assert (bank.origin, bank.kind) == ("automatic", "bank")
    assert bank.name_zh == "浙江湖畔农村商业银行股份有限公司"
    assert bank.short_zh == "湖畔农村商业银行"  # the province prefix dropped
    assert bank.name_en_origin == "romanised" and bank.short_en.startswith("Hupan") and "Bank" in bank.short_en
    energy = metadata.orgs[metadata.cases["case-two-cases-02"].org]
    assert energy.short_zh == "恒绿能源"  # the 简称 the company line gives
    assert energy.name_zh == "江苏恒绿新能源科技有限公司"
    assert energy.kind == "company" and energy.short_en == "Henglv Energy"
    assert "company line" in energy.evidence["names"]
    # the new organisations are linkable entities like the curated ones
    assert {"湖畔农村商业银行", "恒绿能源"} <= {lab for e in vocab.orgs.values() for lab in e.labels_zh}


def test_automatic_section_summary_and_english_card(with_fixture):
    _, (collection, metadata, _) = with_fixture
    bank = metadata.cases["case-two-cases-01"]
    assert bank.origin == "automatic"
    assert bank.section == "s3"  # green finance, from the curated cases' text
    assert 0.5 <= bank.section_confidence <= 1.0
    assert "confidence" in bank.evidence["section"]
    assert bank.title_zh == "浙江湖畔农村商业银行：绿色信贷支持分布式光伏"
    assert bank.evidence["title_zh"] == [5, 5] and bank.evidence["company_zh"] == 7
    # the Chinese summary is sentences of the case, with their lines
    case = collection.case("case-two-cases-01")
    body = "".join(p.text for _, p in case.paragraphs())
    assert bank.summary_zh and all(s in body for s in bank.summary_zh.split("。") if s)
    assert bank.evidence["summary_zh"]
    # the English card: names, technologies, outcomes in English units
    energy = metadata.cases["case-two-cases-02"]
    assert energy.title_en.startswith("Henglv Energy:")
    for label in ("Smart grids and microgrids", "Heat pumps", "Waste heat recovery", "Battery energy storage"):
        assert label in energy.summary_en  # the @en prefLabels of 源网荷储, 热泵, 余热回收, 电池储能
    assert "CO₂ emissions reduced: 9,600 t" in energy.summary_en and "Energy saved: 12 million kWh" in energy.summary_en
    assert energy.section == "s0" or energy.section_confidence >= 0.5  # unassigned unless the classifier is sure
    assert "not a translation" in energy.summary_en
    assert energy.keywords_en


def test_english_card_has_places_org_facts_and_targets_in_english(with_fixture):
    _, (_, metadata, _) = with_fixture
    energy = metadata.cases["case-two-cases-02"].summary_en
    assert "Project sites: Suzhou" in energy  # 在苏州工业园区建设…: the gazetteer's English name
    assert "founded in 2016" in energy  # 恒绿能源成立于 2016 年
    bank = metadata.cases["case-two-cases-01"].summary_en
    assert "founded in 2005" in bank
    assert "number of" not in bank or "number of people" not in bank  # counts only where the thing counted is known


def test_sections_follow_document_order(with_fixture):
    from climatekg.graph.automatic import order_bounds

    _, (collection, metadata, _) = with_fixture
    hidden = {"case-05", "case-15", "case-16"}
    known = {cid: cm.section for cid, cm in metadata.cases.items() if cid not in hidden and cm.origin == "curated"}
    bounds = order_bounds(collection, known, metadata.sections)
    assert bounds["case-05"] == (1, 1)  # between two cases of section 1
    assert bounds["case-15"] == bounds["case-16"] == (2, 4)  # after section 2's last, before section 4's first
    assert "case-two-cases-01" not in bounds  # another document: no neighbours with a known section


def test_unknown_technology_terms_are_reported(with_fixture):
    _, (_, metadata, _) = with_fixture
    cands = metadata.cases["case-two-cases-02"].evidence["candidate_technologies"]
    assert any("能量管理平台" in c for c in cands)


def test_the_graph_covers_added_cases(with_fixture, tmp_path):
    from climatekg.graph.pipeline import build
    from climatekg.graph.store import open_store

    s, _ = with_fixture
    s = replace(s, build_dir=tmp_path)
    manifest = build(s, progress=lambda m: None)
    assert manifest["cases"] == 28
    store = open_store(tmp_path, "oxigraph")
    rows = store.query("""SELECT ?t ?kind ?coll WHERE { ?c ckg:caseId "case-two-cases-02" ;
        ckg:usesTechnology ?t ; ckg:organisation/ckg:orgKind ?kind ; ckg:inCollection ?coll }""").dicts()
    techs = {r["t"].rsplit("/", 1)[-1] for r in rows}
    assert len(techs) >= 5
    assert rows[0]["coll"].endswith("collection/source-two-cases")
    out = store.query("""SELECT ?v ?u WHERE { ?c ckg:caseId "case-two-cases-01" ; ckg:reportsOutcome ?o .
        ?o schema:value ?v ; ckg:unitSymbol ?u ; ckg:measures indicator:co2-reduction }""").dicts()
    assert (38000.0, "t") in {(float(r["v"]), r["u"]) for r in out}


# -- the extraction cache: an add reads only the new cases ------------------------------------------------
def test_extraction_cache_reads_each_case_once_per_text_and_version(fixture_parse, settings, tmp_path):
    from climatekg.graph.extracted import Extractions
    from climatekg.graph.gazetteer import load_gazetteer

    gaz = load_gazetteer(settings.entities.parent / "provinces_en.toml")
    coll, _ = fixture_parse
    first = Extractions(gaz, tmp_path, "v1")
    figures = {c.id: first.get(c, "figures") for c in coll.cases}
    places = {c.id: first.get(c, "places") for c in coll.cases}
    assert first.computed == 4 and first.get(coll.cases[0], "figures") is figures[coll.cases[0].id]
    assert any(f.quantity.indicator == "co2-reduction" for f in figures["case-two-cases-01"])
    assert first.save() == 2 and first.save() == 0

    again = Extractions(gaz, tmp_path, "v1")  # another process: everything from disk, nothing computed
    assert [again.get(c, "figures") for c in coll.cases] == list(figures.values())
    assert [again.get(c, "places").sites for c in coll.cases] == [p.sites for p in places.values()]
    assert (again.computed, again.loaded) == (0, 2)
    again.get(coll.cases[0], "targets")  # a field not cached yet is computed and added to the entry
    assert again.computed == 1

    other = Extractions(gaz, tmp_path, "v2")  # other code or data: a new key
    other.get(coll.cases[0], "figures")
    assert (other.computed, other.loaded) == (1, 0)
    changed = replace(coll.cases[0], title=coll.cases[0].title + "（修订）")  # another text: a new key
    assert first.key(changed) != first.key(coll.cases[0])


def test_prefill_in_forked_processes_gives_what_get_computes(fixture_parse, settings, tmp_path):
    from climatekg.graph.extracted import Extractions
    from climatekg.graph.gazetteer import load_gazetteer

    gaz = load_gazetteer(settings.entities.parent / "provinces_en.toml")
    coll, _ = fixture_parse
    serial = Extractions(gaz)
    want = {c.id: (serial.get(c, "figures"), serial.get(c, "partners")) for c in coll.cases}
    forked = Extractions(gaz, tmp_path, "v1")
    assert forked.prefill([(c, ("figures", "partners")) for c in coll.cases], processes=2) == 4
    assert forked.computed == 4 and forked.save() == 2
    assert {c.id: (forked.get(c, "figures"), forked.get(c, "partners")) for c in coll.cases} == want
    assert forked.computed == 4  # nothing computed again
    assert forked.prefill([(c, ("figures",)) for c in coll.cases]) == 0  # what the cache has is not done again


def test_calibration_is_kept_by_its_inputs(tmp_path):
    from climatekg.graph.extracted import Extractions

    calls = []
    x = Extractions(None, tmp_path, "v1")
    assert x.derived("calibration", {"a": 1}, lambda: calls.append(1) or 0.6) == 0.6
    x.save()
    y = Extractions(None, tmp_path, "v1")
    assert y.derived("calibration", {"a": 1}, lambda: calls.append(1) or 0.9) == 0.6  # from disk
    assert y.derived("calibration", {"a": 2}, lambda: calls.append(1) or 0.9) == 0.9  # other inputs
    assert len(calls) == 2
    assert y.loaded == 0  # derived results are not counted as cases read from the cache


# -- add / remove / sources ----------------------------------------------------------------------------------
@pytest.fixture
def workspace(settings, graph_build_dir, tmp_path):
    """Empty sources_dir and a copy of the session's graph build; the index is not built (graph only)."""
    build = tmp_path / "build"
    shutil.copytree(graph_build_dir[0], build)
    return replace(settings, sources_dir=tmp_path / "sources", build_dir=build)


def _snapshot(d: Path) -> dict:
    return {str(p.relative_to(d)): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()} if d.exists() else {}


@pytest.fixture
def graph_only(monkeypatch):
    """add/remove without the search index (its build needs the embedding model; tested in the slow test)."""
    import climatekg.build

    monkeypatch.setattr(climatekg.build, "build_index", lambda settings, force=False, encoder=None: False)
    monkeypatch.setattr(climatekg.build, "start_passage_worker", lambda settings: None)


@pytest.mark.slow  # three graph builds with SHACL validation (~45 s): run by make test-slow / CI
def test_add_is_idempotent_and_remove_restores(workspace, graph_only, capsys):
    from climatekg.ingest import add_files, list_sources, remove_source

    res = add_files(workspace, [FIXTURE], progress=lambda m: None)
    # the 26 were extracted by the session's graph build: only the two new cases can need reading (the cache lives
    # in cache_dir, which outlives a test run, so a second run finds the two cached as well)
    reused = re.search(r"text extraction: (\d+) of 28 cases from the cache", capsys.readouterr().err)
    assert reused and int(reused.group(1)) >= 26
    assert [s.id for s in res.added] == ["two-cases"]
    src = res.added[0]
    assert src.cases == ["case-two-cases-01", "case-two-cases-02"] and src.skipped == []
    assert (workspace.sources_dir / "two-cases.txt").read_bytes() == FIXTURE.read_bytes()
    assert json.loads((workspace.sources_dir / "sources.json").read_text())["sources"][0]["sha256"] == src.sha256
    assert json.loads((workspace.build_dir / "graph-manifest.json").read_text())["cases"] == 28
    assert {r["case"] for r in res.report} == set(src.cases)
    before = _snapshot(workspace.build_dir), _snapshot(workspace.sources_dir)

    again = add_files(workspace, [FIXTURE], progress=lambda m: None)
    assert again.added == [] and [s.id for _, s in again.unchanged] == ["two-cases"]
    assert (_snapshot(workspace.build_dir), _snapshot(workspace.sources_dir)) == before

    removed = remove_source(workspace, "two-cases.txt", progress=lambda m: None)
    assert removed.id == "two-cases" and list_sources(workspace) == []
    assert json.loads((workspace.build_dir / "graph-manifest.json").read_text())["cases"] == 26


@pytest.mark.parametrize("name, content, expected", [
    ("picture.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file, not text or PDF"),
    ("latin1.txt", "caf\xe9 案例".encode("latin-1", "ignore") + b"\xe9\n", "not UTF-8 text"),
    ("notes.txt", "会议纪要\n\n项目成果\n\n今天讨论了项目进度。\n".encode(), "not a case collection"),
])
def test_a_failing_add_leaves_build_and_sources_untouched(workspace, graph_only, tmp_path, name, content, expected):
    from climatekg.ingest import add_files
    from climatekg.corpus.parse import CorpusError

    add_files(workspace, [FIXTURE], progress=lambda m: None)
    before = _snapshot(workspace.build_dir), _snapshot(workspace.sources_dir)
    bad = tmp_path / name
    bad.write_bytes(content)
    with pytest.raises(CorpusError, match=expected):
        add_files(workspace, [bad], progress=lambda m: None)
    assert (_snapshot(workspace.build_dir), _snapshot(workspace.sources_dir)) == before
    assert not list(workspace.sources_dir.parent.glob(".sources.new-*")) and not list(workspace.build_dir.parent.glob(".build.new-*"))


@pytest.mark.slow  # a graph build with SHACL validation (~25 s): run by make test-slow / CI
def test_partly_broken_file_adds_the_good_cases_and_reports_the_rest(workspace, graph_only, tmp_path):
    from climatekg.ingest import add_files

    lines = FIXTURE.read_text(encoding="utf-8").split("\n")
    lines[74] = "项目看点"
    p = tmp_path / "part-broken.txt"
    p.write_text("\n".join(lines), encoding="utf-8")
    res = add_files(workspace, [p], progress=lambda m: None)
    src = res.added[0]
    assert src.cases == ["case-part-broken-01"]
    assert src.skipped == [{"line": 79, "reason": src.skipped[0]["reason"]}] and "项目亮点" in src.skipped[0]["reason"]
    assert read_registry(workspace.sources_dir)[0].skipped == src.skipped


def test_remove_unknown_source_names_the_known_ones(workspace):
    from climatekg.ingest import IngestError, remove_source

    with pytest.raises(IngestError, match="no added source 'nope'.*none"):
        remove_source(workspace, "nope")


def test_cli_sources_lists_counts(workspace, graph_only, capsys, monkeypatch):
    from climatekg.cli import main
    from climatekg.ingest import add_files

    add_files(workspace, [FIXTURE], progress=lambda m: None)
    monkeypatch.setenv("CLIMATEKG_SOURCES_DIR", str(workspace.sources_dir))
    assert main(["sources", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["id"], r["cases"]) for r in rows] == [("ccca-2023", 26), ("two-cases", 2)]


@pytest.mark.slow  # a graph build with SHACL validation (~25 s): run by make test-slow / CI
def test_pdf_is_extracted_and_added(workspace, graph_only, tmp_path):
    fpdf = pytest.importorskip("fpdf")
    font = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
    if not font.is_file():
        pytest.skip("no CJK font to write the PDF fixture")
    from climatekg.ingest import add_files

    pdf = fpdf.FPDF()
    pdf.add_font("cjk", fname=str(font))
    pdf.set_font("cjk", size=10)
    pdf.add_page()
    for line in FIXTURE.read_text(encoding="utf-8").split("\n"):
        if line.strip():
            pdf.cell(0, 6, line.strip(), new_x="LMARGIN", new_y="NEXT")
    p = tmp_path / "two-cases.pdf"
    pdf.output(str(p))
    res = add_files(workspace, [p], progress=lambda m: None)
    src = res.added[0]
    assert src.format == "pdf" and (workspace.sources_dir / "two-cases.pdf").read_bytes() == p.read_bytes()
    assert len(src.cases) == 2


@pytest.mark.slow
def test_add_end_to_end_search_and_similar_find_the_new_cases(settings, search_engine, built_settings, tmp_path):
    """The real add: graph and search index rebuilt incrementally; English search finds the new case."""
    from climatekg.embeddings.search import SearchEngine
    from climatekg.ingest import add_files

    build = tmp_path / "build"
    shutil.copytree(built_settings.build_dir, build)
    s = replace(built_settings, sources_dir=tmp_path / "sources", build_dir=build)
    add_files(s, [FIXTURE], progress=lambda m: None)
    engine = SearchEngine.load(s)
    hits = [r["case_id"] for r in engine.search("rural commercial bank green loans for distributed solar", k=5)["results"]]
    assert hits[0] == "case-two-cases-01"
    hits = [r["case_id"] for r in engine.search("恒绿能源的储能配置有多大？", k=5)["results"]]
    assert hits[0] == "case-two-cases-02"
    sim = [r["case_id"] for r in engine.similar(case_id="case-two-cases-01", k=5)["results"]]
    assert sim and "case-two-cases-01" not in sim


# -- leave-out comparison ------------------------------------------------------------------------------------
def test_leave_out_matches_places_by_code_partners_and_recognitions_by_name():
    from climatekg.leaveout import _matched, _prf, _same_partner, _same_recognition

    # (automatic items matching a curated one, curated items matched)
    assert _matched({"320000", "320900", "潘安湖"}, {"320900", "310000"}, None) == (1, 1)
    curated = {("TÜV莱茵", "TÜVRheinland"), ("国际标准化组织",)}
    assert _matched(curated, {("TÜV莱茵",), ("北极星网",)}, _same_partner) == (1, 1)
    assert _matched({("公众环境研究中心（IPE）",)}, {("公众环境研究中心",)}, _same_partner) == (1, 1)
    # two extracted titles of one curated recognition: both precise, one recalled
    assert _matched({("零碳工厂认证",)}, {("零碳工厂认证证书",), ("零碳工厂认证",), ("完整认证",)}, _same_recognition) == (2, 1)
    prf = _prf(2, 3, 1, 1)
    assert round(prf["P"], 3) == 0.667 and prf["R"] == 1.0
