"""The pictures of a case page, drawn server-side as inline SVG (no script, readable without CSS):

- ``neighbourhood_svg``: the case with its company, section, places, partners, main technologies and a few
  outcomes, every node a link;
- ``outcome_chart``: one key outcome of the case compared, as bars, with the other cases reporting the same
  indicator in the same unit (achieved figures only).

Each is drawn twice — a wide drawing and a narrow one that phones show instead (``ui.css`` picks).
"""

from __future__ import annotations

import math

from flask import url_for
from markupsafe import Markup, escape

from climatekg.graph.outcomes import compare
from climatekg.graph.units import CHART_INDICATORS

from .i18n import fmt_num, lang, pick, t, value_label
from .links import hl_link, page_for_iri

KEY_OUTCOME_ORDER = [i for i, _ in CHART_INDICATORS]

def _text_width(s: str, size: float = 13.0) -> float:
    w = 0.0
    for ch in s:
        w += size if ord(ch) > 0x2E80 else size * 0.62
    return w


def _clip(s: str, n_zh: int = 9, n_en: int = 22) -> str:
    if not s:
        return ""
    limit = n_zh if any(ord(ch) > 0x2E80 for ch in s) else n_en
    return s if len(s) <= limit else s[: limit - 1] + "…"


NODE_COLOURS = {"case": "#1b4f72", "org": "#7d3c98", "section": "#5d6d7e", "technology": "#1e8449",
                "place": "#b9770e", "partner": "#a93226", "outcome": "#2e86c1"}


def _key_outcomes(outcomes: list[dict], n: int) -> list[dict]:
    chosen, seen = [], set()
    rank = {ind: i for i, ind in enumerate(KEY_OUTCOME_ORDER)}
    for o in sorted(outcomes, key=lambda o: (rank.get(o["indicator"]["id"], 99), -(o["value"] or 0)
                                             if isinstance(o["value"], (int, float)) else 0)):
        ind = o["indicator"]["id"]
        if ind in seen or ind not in rank or o.get("projected"):
            continue
        seen.add(ind)
        chosen.append(o)
        if len(chosen) == n:
            break
    return chosen


def _node_list(nodes: list[dict]) -> str:
    return "; ".join(t("node_" + nd["kind"]) + ": " + nd["full"] for nd in nodes)


def _node(nd: dict, x0: float, y0: float, label: str, sub: str, w: float, h: float) -> str:
    colour = NODE_COLOURS[nd["kind"]]
    mid = x0 + w / 2
    body = (f'<rect x="{x0:.1f}" y="{y0:.1f}" width="{w:.1f}" height="{h}" rx="6" fill="#fff" '
            f'stroke="{colour}" stroke-width="2"/>'
            f'<text x="{mid:.1f}" y="{y0 + (14 if sub else h / 2):.1f}" text-anchor="middle" '
            f'dominant-baseline="central" fill="{colour}" font-size="14">{escape(label)}</text>')
    if sub:
        body += (f'<text x="{mid:.1f}" y="{y0 + 30:.1f}" text-anchor="middle" dominant-baseline="central" '
                 f'fill="#444" font-size="12">{escape(sub)}</text>')
    tip = f'<title>{escape(t("node_" + nd["kind"]))}: {escape(nd["full"])}</title>'
    if nd.get("href"):
        return f'<a href="{escape(nd["href"])}" class="node node-{nd["kind"]}">{tip}{body}</a>'
    return f'<g class="node node-{nd["kind"]}">{tip}{body}</g>'


def _svg_open(cls: str, w: float, h: float, key: str, title: str, desc: str) -> str:
    return (f'<svg class="{cls}" viewBox="0 0 {w:.0f} {h:.0f}" role="img" aria-labelledby="{key}-title {key}-desc" '
            f'xmlns="http://www.w3.org/2000/svg"><title id="{key}-title">{escape(title)}</title>'
            f'<desc id="{key}-desc">{escape(desc)}</desc>')


def neighbourhood_svg(detail: dict) -> Markup:
    """The case in the middle; its company, section, places and partners on the left, its main technologies
    and a few outcomes on the right — every node a link (entity pages, the section, the outcome's line).
    Two drawings: a wide one, and a narrow one (a tree down the left) that phones show instead."""
    L = lang()
    company = detail["company"]

    def by_mentions(items, n):
        return sorted(items, key=lambda it: -(it.get("evidence") or {}).get("mention_count", 1))[:n]

    left = [{"kind": "org", "label": company.get(L) or company.get("zh"), "full": company.get(f"full_{L}") or "",
             "href": url_for("ui.entity_page", kind="org", entity_id=company["id"])}]
    sec = detail["section"]
    left.append({"kind": "section", "label": sec[L], "full": sec[L], "href": url_for("ui.cases_page") + f"#{sec['id']}"})
    for it in by_mentions(detail["links"].get("places", []), 3):
        left.append({"kind": "place", "label": pick(it), "full": pick(it), "href": page_for_iri(it["iri"])})
    for it in by_mentions(detail["links"].get("partners", []), 3):
        left.append({"kind": "partner", "label": pick(it), "full": pick(it), "href": page_for_iri(it["iri"])})
    right = []
    for it in by_mentions(detail["links"].get("technologies", []), 5):
        right.append({"kind": "technology", "label": pick(it), "full": pick(it), "href": page_for_iri(it["iri"])})
    for o in _key_outcomes(detail["outcomes"], 3):
        value = value_label(o["value"], o["unit_zh"] if L == "zh" else o["unit_en"])
        ind = pick(o["indicator"])
        right.append({"kind": "outcome", "label": value, "sub": ind, "full": f"{ind}: {value}",
                      "href": f"#L{o['start_line']}"})
    title = _clip(f'{company.get(L) or company.get("zh")} · {t("case_n", n=detail["number"])}', 12, 28)
    desc = _node_list(left + right)
    cw = _text_width(title, 14) + 28

    def centre(x: float, y: float) -> str:
        return (f'<g class="node node-case"><rect x="{x - cw / 2:.1f}" y="{y - 20:.1f}" width="{cw:.1f}" height="40" '
                f'rx="8" fill="{NODE_COLOURS["case"]}"/><text x="{x:.1f}" y="{y:.1f}" text-anchor="middle" '
                f'dominant-baseline="central" fill="#fff" font-size="15" font-weight="bold">{escape(title)}</text></g>')

    # wide: two columns joined to the case by curves
    W, row = 800, 48
    H = max(len(left), len(right), 3) * row + 16
    cx, cy = W / 2, H / 2
    edges, boxes = [], []
    for side, nodes in (("left", left), ("right", right)):
        top = (H - len(nodes) * row) / 2
        for i, nd in enumerate(nodes):
            label, sub = _clip(nd["label"], 11, 24), _clip(nd.get("sub", ""), 11, 26)
            w = max(_text_width(label, 14), _text_width(sub, 12)) + 22
            h = 40 if sub else 30
            y0 = top + i * row + (row - h) / 2
            x0 = max(230 - w, 2) if side == "left" else min(W - 230, W - w - 2)
            ex = x0 + w if side == "left" else x0
            cxe = cx - cw / 2 if side == "left" else cx + cw / 2
            edges.append(f'<path d="M{ex:.1f},{y0 + h / 2:.1f} C{(ex + cxe) / 2:.1f},{y0 + h / 2:.1f} '
                         f'{(ex + cxe) / 2:.1f},{cy:.1f} {cxe:.1f},{cy:.1f}" fill="none" '
                         f'stroke="{NODE_COLOURS[nd["kind"]]}" stroke-opacity=".55" stroke-width="1.6"/>')
            boxes.append(_node(nd, x0, y0, label, sub, w, h))
    wide = [_svg_open("neigh wide", W, H, "neigh", t("neighbourhood"), desc), '<g class="edges">', *edges, "</g>",
            '<g class="nodes">', *boxes, centre(cx, cy), "</g></svg>"]

    # narrow: the case on top, a trunk down the left, one node per row
    W2 = 380
    y = 66
    edges, boxes = [], []
    trunk_x = 22
    last_mid = y
    for nd in left + right:
        label, sub = _clip(nd["label"], 15, 34), _clip(nd.get("sub", ""), 15, 34)
        w = min(max(_text_width(label, 14), _text_width(sub, 12)) + 22, W2 - 50)
        h = 40 if sub else 30
        mid = y + h / 2
        edges.append(f'<path d="M{trunk_x},{mid:.1f} H44" stroke="{NODE_COLOURS[nd["kind"]]}" stroke-width="2"/>')
        boxes.append(_node(nd, 44, y, label, sub, w, h))
        last_mid = mid
        y += h + 10
    H2 = y + 4
    trunk = f'<path d="M{trunk_x},40 V{last_mid:.1f}" stroke="#8a99a6" stroke-width="2" fill="none"/>'
    narrow = [_svg_open("neigh narrow", W2, H2, "neigh-n", t("neighbourhood"), desc), trunk, '<g class="edges">',
              *edges, "</g>", '<g class="nodes">', *boxes, centre(min(cw / 2 + 4, W2 / 2), 22), "</g></svg>"]
    return Markup("".join(wide) + "".join(narrow))


def outcome_chart(detail: dict, everything: list[dict], idx: dict[str, dict]) -> dict | None:
    """Bars comparing one key outcome of this case with the other cases reporting that indicator in that unit
    (``everything``: every outcome with its ``case_id``; ``idx``: case id → titles and company names)."""
    L = lang()
    case_id = detail["id"]
    mine = {(o["indicator"]["id"], o["unit"]) for o in detail["outcomes"]
            if isinstance(o["value"], (int, float)) and not o.get("projected")}
    for ind, unit in CHART_INDICATORS:
        if (ind, unit) not in mine:
            continue
        # what was achieved (no targets or projections), each case's largest, largest first
        rows = compare([o for o in everything if o["indicator"]["id"] == ind and o["unit"] == unit
                        and isinstance(o["value"], (int, float)) and o["value"] > 0])
        best = {o["case_id"]: o for o in rows}
        if case_id not in best or len(best) < 3:  # this case and at least two others
            continue
        if len(rows) > 12:
            keep = rows[:11]
            if all(r["case_id"] != case_id for r in keep):
                keep.append(best[case_id])
            rows = keep
        return _chart_svg(rows, case_id, ind, unit, L, idx)
    return None


def _chart_svg(rows: list[dict], case_id: str, ind: str, unit: str, L: str, idx: dict[str, dict]) -> dict:
    """Horizontal bars, this case in red; a wide drawing and a narrow one (name above its bar) for phones."""
    first = rows[0]
    ind_label = pick(first["indicator"]) or ind
    if L == "en" and ind_label[:2] != "CO":
        ind_label = ind_label[:1].lower() + ind_label[1:]
    unit_label = first["unit_zh"] if L == "zh" else first["unit_en"]
    unit_label = unit_label or ("个" if L == "zh" else "count")
    values = [r["value"] for r in rows]
    vmax, vmin = max(values), min(values)
    log = vmax / vmin > 100

    def length(v: float, bar_w: float) -> float:
        if log:
            lo = math.log10(vmin) - 0.5
            return bar_w * (math.log10(v) - lo) / (math.log10(vmax) - lo)
        return bar_w * v / vmax

    caption = t("chart_caption", ind=ind_label, unit=unit_label)
    desc = "; ".join(f"{pick(idx.get(r['case_id'], {}), 'company')}: {fmt_num(r['value'])} {unit_label}" for r in rows)
    wide = [_svg_open("chart wide", 760, 28 * len(rows) + 12, "chart", caption, desc)]
    narrow = [_svg_open("chart narrow", 380, 44 * len(rows) + 8, "chart-n", caption, desc)]
    for i, r in enumerate(rows):
        me = r["case_id"] == case_id
        c = idx.get(r["case_id"], {})
        colour = "#c0392b" if me else "#2e86c1"
        value_text = value_label(r["value"], unit_label)
        bold = ' font-weight="bold"' if me else ""
        mine = f" ({t('this_case')})" if me else ""
        href = escape(hl_link(r["case_id"], r["quote"], r["start_line"]))
        tip = (f'<title>{escape(pick(c, "title"))} — {escape(fmt_num(r["value"]))} {escape(unit_label)}'
               f'{escape(mine)}</title>')
        name = pick(c, "company") or r["case_id"]

        def bar(label: str, label_at: str, rect_at: str, bar_len: float, height: int, value_at: str) -> str:
            return (f'<a href="{href}" class="bar{" me" if me else ""}">{tip}'
                    f'<text {label_at} dominant-baseline="central" font-size="13" fill="#222"{bold}>'
                    f'{escape(("▶ " if me else "") + label)}</text>'
                    f'<rect {rect_at} width="{bar_len:.1f}" height="{height}" rx="3" fill="{colour}"/>'
                    f'<text {value_at} dominant-baseline="central" font-size="12" fill="#333">{escape(value_text)}'
                    f'</text></a>')

        # wide: name | bar value
        y, bl = 6 + i * 28, max(length(r["value"], 400), 2)
        wide.append(bar(_clip(name, 10, 24), f'x="190" y="{y + 12:.1f}" text-anchor="end"', f'x="200" y="{y + 4}"',
                        bl, 16, f'x="{200 + bl + 6:.1f}" y="{y + 12:.1f}"'))
        # narrow: name above the bar
        y, bl = 4 + i * 44, max(length(r["value"], 230), 2)
        narrow.append(bar(_clip(name, 16, 40), f'x="6" y="{y + 10:.1f}"', f'x="6" y="{y + 20}"', bl, 14,
                          f'x="{6 + bl + 6:.1f}" y="{y + 27:.1f}"'))
    wide.append("</svg>")
    narrow.append("</svg>")
    return {"svg": Markup("".join(wide) + "".join(narrow)), "caption": caption, "log": log, "indicator": ind,
            "unit": unit, "rows": [{"case_id": r["case_id"], "value": r["value"]} for r in rows]}


