"""The hand-written bilingual metadata, validated against the parse.

``data/metadata/cases.toml`` gives a case its English title, summary and
section, and each organisation its names and the group/shareholder links the
text states. It is an optional override: a case without an entry gets its
metadata from ``graph/automatic.py``. An entry whose title or company does not
match the parsed text, or whose section contradicts a printed margin label,
stops the build with a message naming the case and the file.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .clean import squash
from .model import Collection
from .parse import CorpusError

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class MetadataError(CorpusError):
    """The metadata file disagrees with itself or with the parsed text."""


@dataclass(frozen=True)
class Section:
    id: str  # s1 …
    number: int
    zh: str
    en: str
    inferred: bool
    label_line: int | None
    cases: tuple[str, ...]


@dataclass(frozen=True)
class CaseMeta:
    id: str
    section: str
    title_zh: str
    title_en: str
    org: str
    summary_en: str
    summary_zh: str
    keywords_en: tuple[str, ...]
    origin: str = "curated"  # "curated" (cases.toml) | "automatic" (graph/automatic.py)
    section_confidence: float | None = None  # automatic sections only
    evidence: dict = field(default_factory=dict, hash=False, compare=False)  # what → source lines / method


@dataclass(frozen=True)
class OrgMeta:
    id: str
    name_zh: str
    name_en: str
    short_zh: str
    short_en: str
    alt_zh: tuple[str, ...]
    alt_en: tuple[str, ...]
    kind: str
    industry_en: str = ""
    industry_zh: str = ""
    founded: int | None = None
    founded_line: int | None = None
    listed: tuple[str, ...] = ()
    listed_line: int | None = None
    hq_zh: str = ""
    hq_en: str = ""
    hq_line: int | None = None
    parent: str | None = None
    parent_line: int | None = None
    shareholders: tuple[str, ...] = ()
    shareholders_line: int | None = None
    origin: str = "curated"  # "curated" | "automatic"
    name_en_origin: str = "curated"  # "curated" | "dictionary" (a known name) | "text" (Latin name on the company
    # line) | "romanised" (pinyin, not a translation)
    evidence: dict = field(default_factory=dict, hash=False, compare=False)


@dataclass
class Metadata:
    path: Path
    sections: dict[str, Section]
    cases: dict[str, CaseMeta]
    orgs: dict[str, OrgMeta]
    case_orgs: dict[str, str] = field(default_factory=dict)

    def section_of(self, case_id: str) -> Section:
        return self.sections[self.cases[case_id].section]


def _req(d: dict, key: str, where: str, path: Path, kind=str):
    if key not in d or d[key] in ("", None):
        raise MetadataError(f"{path}: {where}: '{key}' is missing")
    v = d[key]
    if kind is str and not isinstance(v, str):
        raise MetadataError(f"{path}: {where}: '{key}' must be a string")
    return v


def load_metadata(path: Path, collection: Collection) -> Metadata:
    path = Path(path)
    if not path.is_file():  # the curated layer is optional: every case then gets automatic metadata
        return Metadata(path=path, sections={}, cases={}, orgs={})
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise MetadataError(f"{path}: not valid TOML: {e}") from None

    sections: dict[str, Section] = {}
    for sid, s in sorted(data.get("sections", {}).items()):
        m = re.fullmatch(r"s(\d+)", sid)
        if not m:
            raise MetadataError(f"{path}: section id '{sid}' must look like s1, s2 …")
        sections[sid] = Section(
            id=sid, number=int(m.group(1)), zh=_req(s, "zh", f"section {sid}", path), en=_req(s, "en", f"section {sid}", path),
            inferred=bool(s.get("inferred", True)), label_line=s.get("label_line"), cases=tuple(s.get("cases", ())),
        )

    orgs: dict[str, OrgMeta] = {}
    for o in data.get("org", []):
        oid = _req(o, "id", "an [[org]] entry", path)
        where = f"org '{oid}'"
        if not SLUG.match(oid):
            raise MetadataError(f"{path}: {where}: id must be lowercase ascii, digits and hyphens")
        if oid in orgs:
            raise MetadataError(f"{path}: {where}: defined twice")
        listed = o.get("listed", ())
        orgs[oid] = OrgMeta(
            id=oid, name_zh=_req(o, "name_zh", where, path), name_en=_req(o, "name_en", where, path),
            short_zh=o.get("short_zh") or o["name_zh"], short_en=o.get("short_en") or o["name_en"],
            alt_zh=tuple(o.get("alt_zh", ())), alt_en=tuple(o.get("alt_en", ())), kind=o.get("kind", "company"),
            industry_en=o.get("industry_en", ""), industry_zh=o.get("industry_zh", ""),
            founded=o.get("founded"), founded_line=o.get("founded_line"),
            listed=tuple([listed] if isinstance(listed, str) else listed), listed_line=o.get("listed_line"),
            hq_zh=o.get("hq_zh", ""), hq_en=o.get("hq_en", ""), hq_line=o.get("hq_line"),
            parent=o.get("parent"), parent_line=o.get("parent_line"),
            shareholders=tuple(o.get("shareholders", ())), shareholders_line=o.get("shareholders_line"),
        )
    for o in orgs.values():
        for ref in ([o.parent] if o.parent else []) + list(o.shareholders):
            if ref not in orgs:
                raise MetadataError(f"{path}: org '{o.id}' refers to unknown org '{ref}'")

    cases: dict[str, CaseMeta] = {}
    for c in data.get("case", []):
        cid = _req(c, "id", "a [[case]] entry", path)
        where = f"case '{cid}'"
        if cid in cases:
            raise MetadataError(f"{path}: {where}: defined twice")
        sec = _req(c, "section", where, path)
        if sec not in sections:
            raise MetadataError(f"{path}: {where}: unknown section '{sec}' (known: {', '.join(sections)})")
        org = _req(c, "org", where, path)
        if org not in orgs:
            raise MetadataError(f"{path}: {where}: unknown org '{org}'")
        cases[cid] = CaseMeta(
            id=cid, section=sec, title_zh=_req(c, "title_zh", where, path), title_en=_req(c, "title_en", where, path),
            org=org, summary_en=_req(c, "summary_en", where, path), summary_zh=c.get("summary_zh", ""),
            keywords_en=tuple(c.get("keywords_en", ())),
        )
        parsed = None
        try:
            parsed = collection.case(cid)
        except KeyError:
            raise MetadataError(f"{path}: {where}: no such case in the parsed text (it has {len(collection.cases)})") from None
        if squash(c["title_zh"]) != squash(parsed.title):
            raise MetadataError(
                f"{path}: {where}: title_zh '{c['title_zh']}' does not match the text's title "
                f"'{parsed.title}' (source lines {parsed.title_lines[0]}–{parsed.title_lines[1]})"
            )
        if "company_zh" in c and squash(c["company_zh"]) != squash(parsed.company):
            raise MetadataError(
                f"{path}: {where}: company_zh '{c['company_zh']}' does not match the text's company line "
                f"'{parsed.company}' (source line {parsed.company_line})"
            )

    # sections: contiguous, in order, and never against a printed margin label (curated cases of the
    # vendored collection; the others get theirs from the classifier in graph/automatic.py)
    last = 0
    for case in collection.cases:
        if case.id not in cases:
            continue
        sec = sections[cases[case.id].section]
        if sec.number < last:
            raise MetadataError(f"{path}: case '{case.id}': section {sec.id} comes after section s{last}; sections run in document order")
        last = sec.number
        for label in case.section_labels:
            if label.number != sec.number or squash(label.name) != squash(sec.zh):
                raise MetadataError(
                    f"{path}: case '{case.id}' is in section {sec.id} '{sec.zh}', but the margin label at source line "
                    f"{label.line} reads '{label.number} {label.name}'"
                )
        if sec.cases and case.id not in sec.cases:
            raise MetadataError(f"{path}: case '{case.id}' says section {sec.id}, but [sections.{sec.id}].cases does not list it")
    return Metadata(path=path, sections=sections, cases=cases, orgs=orgs)
