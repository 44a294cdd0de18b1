"""Bad input stops the build with a message that says what and where, and leaves the previous build untouched."""

import re
import shutil
from dataclasses import replace

import pytest

from climatekg.graph.pipeline import BuildError, build


@pytest.fixture
def previous_build(graph_build_dir, tmp_path):
    d = tmp_path / "build"
    shutil.copytree(graph_build_dir[0], d)
    before = {p.name: p.read_bytes() for p in d.iterdir() if p.is_file()}
    yield d
    after = {p.name: p.read_bytes() for p in d.iterdir() if p.is_file()}
    assert after == before, "a failed build changed the previous build"


def _source_copy(settings, tmp_path, transform):
    data = settings.source.read_bytes()
    p = tmp_path / "source.txt"
    p.write_bytes(transform(data))
    return p


def test_truncated_source_fails_the_checksum(settings, tmp_path, previous_build):
    src = _source_copy(settings, tmp_path, lambda b: b[: len(b) // 2])
    with pytest.raises(BuildError, match=r"sha256 is [0-9a-f]{64}, expected b13f8dcb.*modified or truncated"):
        build(replace(settings, source=src, build_dir=previous_build), progress=lambda m: None)


def test_truncated_source_without_checksum_names_where_it_ends(settings, tmp_path, previous_build):
    lines = settings.source.read_text(encoding="utf-8").split("\n")
    src = tmp_path / "short.txt"
    src.write_text("\n".join(lines[:5000]), encoding="utf-8")
    with pytest.raises(BuildError) as e:
        build(replace(settings, source=src, source_sha256="", build_dir=previous_build), progress=lambda m: None)
    msg = str(e.value)
    assert "closing CCCA note" in msg and "line 5000" in msg and "truncated" in msg


def test_corrupted_bytes_are_reported_with_their_line(settings, tmp_path, previous_build):
    def corrupt(b):
        lines = b.split(b"\n")
        lines[180] = lines[180][:10] + b"\xff\xfe" + lines[180][10:]
        return b"\n".join(lines)

    src = _source_copy(settings, tmp_path, corrupt)
    with pytest.raises(BuildError, match=r"short|source\.txt:181: not valid UTF-8"):
        build(replace(settings, source=src, source_sha256="", build_dir=previous_build), progress=lambda m: None)


def test_a_missing_heading_names_the_case_and_line(settings, tmp_path, previous_build):
    text = settings.source.read_text(encoding="utf-8").split("\n")
    assert text[3690] == "项目成果"  # case-14's results heading, line 3691
    text[3690] = "项目结果"
    src = tmp_path / "src.txt"
    src.write_text("\n".join(text), encoding="utf-8")
    with pytest.raises(BuildError, match=r"src\.txt:\d+: case-14: found heading '项目亮点' where '项目成果' was expected"):
        build(replace(settings, source=src, source_sha256="", build_dir=previous_build), progress=lambda m: None)


def _meta_copy(settings, tmp_path, edit):
    p = tmp_path / "cases.toml"
    p.write_text(edit(settings.metadata.read_text(encoding="utf-8")), encoding="utf-8")
    return p


def test_metadata_missing_a_case_gets_automatic_metadata(settings, tmp_path):
    def drop_last_case(t):
        start = t.index('id = "case-26"')
        start = t.rindex("[[case]]", 0, start)
        end = t.index("[[", start + 8)
        return t[:start] + t[end:]

    meta = _meta_copy(settings, tmp_path, drop_last_case)
    # the curated layer is an override: the case is built with automatic metadata, its organisation (still
    # curated) found by the company line's name
    from climatekg.graph.pipeline import load_inputs

    _, metadata, _ = load_inputs(replace(settings, metadata=meta))
    auto, curated = metadata.cases["case-26"], load_inputs(settings)[1].cases["case-26"]
    assert auto.origin == "automatic" and auto.org == curated.org
    assert auto.title_zh == "粪污资源化利用项目" and auto.summary_zh
    manifest = build(replace(settings, metadata=meta, build_dir=tmp_path / "build"), progress=lambda m: None)
    assert manifest["cases"] == 26


def test_metadata_title_that_disagrees_with_the_text(settings, tmp_path, previous_build):
    meta = _meta_copy(settings, tmp_path, lambda t: t.replace('title_zh = "粪污资源化利用项目"', 'title_zh = "粪污资源化项目"'))
    with pytest.raises(BuildError, match=r"case 'case-26': title_zh '粪污资源化项目' does not match .*source lines 6635–6635"):
        build(replace(settings, metadata=meta, build_dir=previous_build), progress=lambda m: None)


def test_metadata_section_against_a_printed_label(settings, tmp_path, previous_build):
    def move(t):
        t = re.sub(r'(id = "case-20"\nsection = )"s4"', r'\1"s5"', t)
        return t.replace('cases = ["case-21", "case-22"', 'cases = ["case-20", "case-21", "case-22"')

    meta = _meta_copy(settings, tmp_path, move)
    with pytest.raises(BuildError, match=r"case 'case-20' is in section s5 '绿色交通', but the margin label at source line 5231 reads '4 能源转型'"):
        build(replace(settings, metadata=meta, build_dir=previous_build), progress=lambda m: None)


# -- damaged build outputs: detected by `climatekg build` (and rebuilt) and by `climatekg serve` (and named) ----

@pytest.fixture
def built_copy(built_settings, search_engine, tmp_path):
    """A copy of the session's complete build (graph + index) with the build's input stamp, as `climatekg build`
    leaves it."""
    from climatekg.build import graph_fingerprint

    d = tmp_path / "build"
    shutil.copytree(built_settings.build_dir, d)
    (d / "graph.inputs").write_text(graph_fingerprint(built_settings) + "\n")
    return replace(built_settings, build_dir=d)


def _damage(path, how):
    if how == "truncate":
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    elif how == "corrupt":
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0xFF
        path.write_bytes(bytes(data))
    else:
        path.unlink()


@pytest.mark.parametrize("name, how", [
    ("index/vectors.faiss", "truncate"), ("index/bm25_zh/params.index.json", "corrupt"),
    ("index/manifest.json", "delete"), ("graph.ttl", "corrupt"), ("graph.nt", "corrupt"),
    ("graph-manifest.json", "delete"), ("graph.jsonld", "delete"),
])
def test_serve_names_a_damaged_artifact_and_the_fix(built_copy, name, how, capsys):
    from climatekg.service.serve import BuildMissing, check_build

    assert check_build(built_copy) == []
    target = built_copy.build_dir / name
    if not target.exists():  # the BM25 files are bm25s's: pick whichever file it wrote
        target = sorted((built_copy.build_dir / "index" / "bm25_zh").iterdir())[0]
        name = target.relative_to(built_copy.build_dir).as_posix()
    _damage(target, how)
    with pytest.raises(BuildMissing) as e:
        check_build(built_copy)
    msg = str(e.value)
    assert "run 'climatekg build'" in msg
    assert name.rsplit("/", 1)[-1] in msg or (name == "graph.nt" and "graph" in msg)


def test_the_index_is_never_built_from_a_damaged_graph(built_copy, tmp_path, capsys):
    from climatekg.cli import main

    _damage(built_copy.build_dir / "graph.nt", "corrupt")
    config = tmp_path / "climatekg.toml"
    config.write_text(f'build_dir = "{built_copy.build_dir}"\n', encoding="utf-8")
    assert main(["--config", str(config), "build", "--only", "index"]) == 1
    err = capsys.readouterr().err
    assert "graph.nt is damaged" in err and "climatekg build" in err and "Traceback" not in err


@pytest.mark.slow  # two graph builds
def test_build_rebuilds_a_damaged_or_missing_graph_file_and_says_so(built_copy, capsys):
    from climatekg.artifacts import problems
    from climatekg.build import build_graph

    _damage(built_copy.build_dir / "graph.ttl", "corrupt")
    _damage(built_copy.build_dir / "graph-manifest.json", "delete")
    assert build_graph(built_copy) is True
    said = capsys.readouterr().err
    assert "graph: rebuilding — graph-manifest.json is missing" in said, said
    assert problems(built_copy.build_dir, "graph-manifest.json") == []
    _damage(built_copy.build_dir / "graph.ttl", "corrupt")
    assert build_graph(built_copy) is True
    assert "graph.ttl is damaged" in capsys.readouterr().err
    assert build_graph(built_copy) is False  # intact now: left alone
    assert "graph: up to date" in capsys.readouterr().err


@pytest.mark.slow  # an index build (vectors from the cache)
def test_build_rebuilds_a_truncated_index_and_says_so(built_copy):
    from climatekg.artifacts import problems
    from climatekg.embeddings.build import build_indexes
    from climatekg.service.serve import check_build

    _damage(built_copy.build_dir / "index" / "vectors.faiss", "truncate")
    said = []
    assert build_indexes(built_copy, progress=said.append) is True
    assert any("rebuilding" in m and "vectors.faiss is damaged" in m for m in said), said
    assert problems(built_copy.build_dir / "index", "manifest.json") == []
    assert check_build(built_copy) == []
    said.clear()
    assert build_indexes(built_copy, progress=said.append) is False
