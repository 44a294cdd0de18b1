"""Answers in the question's language, with citations to the case text.

Structured questions become a SPARQL query over the graph (returned with its
rows so the user can edit it); other questions are answered extractively — the
best supporting sentence of the top passages, preferring one with a figure for
"how much" questions. A question about a company or topic the collection does
not contain is recognised and answered as such, instead of returning the
nearest case as if it answered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from climatekg.corpus.model import PART_EN, PART_ZH
from climatekg.embeddings.lexical import CJK
from climatekg.embeddings.search import SearchEngine, detect_language
from climatekg.graph.units import UNIT_LABELS
from climatekg.graph.quantities import extract

from .intents import Question, parse

ID = "https://w3id.org/climatekg/id/"
SELECT_HEAD = """SELECT DISTINCT ?id ?title_zh ?title_en{extra} WHERE {{
  ?case ckg:caseId ?id ; dcterms:title ?title_zh, ?title_en .
  FILTER(lang(?title_zh) = "zh" && lang(?title_en) = "en")
{body}}}
ORDER BY {order}"""

QUESTION_WORDS_EN = {"what", "which", "how", "who", "whom", "when", "where", "why", "did", "does", "do", "is", "are", "was",
                     "were", "can", "could", "has", "have", "the", "a", "an", "in", "on", "for", "of", "tell", "show",
                     "list", "name", "give", "china", "chinese", "co2", "co₂", "ghg", "esg", "pv", "ev", "evs", "i", "mw",
                     "gw", "kw", "kwh", "mwh", "un", "rmb", "cny", "usd", "ai", "iot", "it", "ceo", "by", "and", "or",
                     "q1", "q2", "q3", "q4"}


# English question words → the Chinese words the text uses (for picking the sentence that answers)
HINTS = [
    (r"standard coal|coal equivalent", ["标准煤", "标煤"]), (r"co2|carbon|emission", ["减排", "二氧化碳", "碳排放", "减碳"]),
    (r"capacity|install", ["装机", "容量"]), (r"generat", ["发电"]), (r"invest", ["投资", "投入"]),
    (r"revenue|sales", ["营收", "收入", "销售"]), (r"employee|staff", ["员工"]), (r"user|participant|people", ["用户", "参与"]),
    (r"charging|charger", ["充电"]), (r"storage|batter", ["储能", "电池"]), (r"water", ["水"]), (r"brand value", ["品牌价值"]),
    (r"asset", ["资产"]), (r"loan|credit", ["贷款", "信贷"]), (r"bond", ["债券"]), (r"rank", ["排名", "位列", "第"]),
    (r"save|saving", ["节约", "节省", "减少"]), (r"plastic", ["塑料"]), (r"food|meal", ["餐", "食物"]),
    (r"per (passenger|person)|intensity", ["强度", "每"]), (r"score|rating", ["评分", "得分", "评级"]),
    (r"area|hectare|mu\b", ["亩", "面积", "平方米"]), (r"yield|output|production", ["产量", "产能"]),
    (r"train|training", ["培训"]), (r"tree", ["植树", "树"]), (r"vehicle|car|truck", ["车"]), (r"hydrogen", ["氢"]),
    (r"heat|heating", ["供热", "供暖", "热"]), (r"power\b", ["功率"]), (r"maximum|max\b", ["最大"]),
    (r"intensity", ["强度"]), (r"enteric|fermentation", ["肠道发酵"]), (r"pooled|carpool", ["拼车"]), (r"fund", ["基金"]), (r"store|shop", ["门店"]),
]


def zh_hints(text: str) -> list[str]:
    low = text.lower()
    return [w for pattern, words in HINTS if re.search(pattern, low) for w in words]


def _fmt_value(v: float, unit: str, lang: str) -> str:
    zh, en = UNIT_LABELS.get(unit, (unit, unit))
    if unit == "count":
        return f"{v:,.0f}"
    n = f"{v:,.2f}".rstrip("0").rstrip(".")
    return f"{n} {en}".strip() if lang == "en" else f"{n}{zh}"


@dataclass
class Answerer:
    engine: SearchEngine
    store: object
    corpus_text: str  # whitespace-free source text, for "is this name in the collection at all?"
    english_text: str  # the English cards and labels, lower-cased

    @classmethod
    def load(cls, settings, engine: SearchEngine | None = None, store=None) -> "Answerer":
        from climatekg.graph.store import open_store

        engine = engine or SearchEngine.load(settings)
        store = store or open_store(settings.build_dir, "oxigraph")
        from climatekg.corpus.sources import source_files

        raw = "".join("".join(p.read_text(encoding="utf-8").split()) for p in source_files(settings) if p.suffix == ".txt")
        english = "\n".join(engine.cards + [x for e in engine.entities for x in e["labels_en"]]).lower()
        return cls(engine, store, raw, english)

    # -- entry point ---------------------------------------------------------------
    def ask(self, text: str) -> dict:
        from climatekg.embeddings.search import SearchInputError

        if text is None or not str(text).strip():
            raise SearchInputError("the question is empty")
        text = str(text).strip()
        if len(text) > 1000:
            raise SearchInputError("the question is longer than 1000 characters")
        lang = detect_language(text)
        mentions = self.engine.entity_mentions(re.sub(r"(?<=[a-z])-(?=[a-z])", " ", text, flags=re.I))
        q = parse(text, lang, mentions)
        unknown = self.unknown_names(text, lang, mentions)
        if not unknown and lang == "zh" and not any(m.entity["kind"] in ("org", "place") for m in mentions) \
                and not (q.kind and q.constraints) and q.kind not in ("compare", "superlative"):
            # no company or place to anchor the question, and its subject is a word the text never uses
            # ("月球上有几个案例", "水泥厂做碳捕集…"): the collection does not cover it
            unknown = self.unknown_nouns(text, mentions)
        if unknown:
            return self._refuse(q, unknown)
        if q.kind:
            res = self.structured(q)
            if res is not None:
                return res
        return self.extractive(q)

    # -- "is it in the collection?" -------------------------------------------------
    def unknown_names(self, text: str, lang: str, mentions) -> list[str]:
        """Names in the question (companies, products, places) that the collection never mentions."""
        covered = [(m.start, m.end) for m in mentions]
        inside = lambda a, b: any(s <= a and b <= e for s, e in covered)  # noqa: E731
        out = []
        for m in re.finditer(r"[A-Z][A-Za-zÀ-ÿ0-9&.-]*[A-Za-zÀ-ÿ0-9]|[A-Z]{2,}", text):
            word = m.group(0).strip(".")
            if inside(m.start(), m.end()) or word.lower() in QUESTION_WORDS_EN or len(word) < 2:
                continue
            if word.lower() in self.english_text or word in self.corpus_text or word.lower() in self.corpus_text.lower():
                continue
            out.append(word)
        if lang == "zh":
            import jieba.posseg as pseg

            pos = 0
            for w in pseg.lcut(text):
                start = text.find(w.word, pos)
                pos = start + len(w.word) if start >= 0 else pos
                proper = w.flag in ("nt", "nz", "nr", "nrt", "ns", "nrfg")
                orgish = w.flag.startswith("n") and re.search(r"(公司|集团|银行|汽车|时代|石化|石油|钢铁|航空|电池)$", w.word)
                if (proper or orgish) and len(w.word) >= 2 and CJK.search(w.word):
                    if start >= 0 and inside(start, start + len(w.word)):
                        continue
                    if w.word not in self.corpus_text:
                        out.append(w.word)
        return out

    def unknown_nouns(self, text: str, mentions) -> list[str]:
        import jieba.posseg as pseg

        covered = [(m.start, m.end) for m in mentions]
        out, pos = [], 0
        for w in pseg.lcut(text):
            start = text.find(w.word, pos)
            pos = start + len(w.word) if start >= 0 else pos
            if any(s <= start < e for s, e in covered):
                continue
            if w.flag.startswith("n") and len(w.word) >= 2 and CJK.search(w.word) and w.word not in self.corpus_text:
                out.append(w.word)
        return out

    def _refuse(self, q: Question, unknown: list[str]) -> dict:
        names = "、".join(unknown) if q.lang == "zh" else ", ".join(unknown)
        answer = (f"案例集中没有关于“{names}”的内容，无法回答这个问题。本案例集收录了 26 家企业的气候行动案例。"
                  if q.lang == "zh" else
                  f"The collection does not mention {names}, so it cannot answer this question. It covers the climate "
                  f"actions of 26 companies in China.")
        return {"query": q.text, "lang": q.lang, "answered": False, "answer": answer, "cases": [], "citations": [],
                "sparql": None, "rows": None, "intent": "unanswerable", "unknown": unknown}

    # -- structured: SPARQL over the graph --------------------------------------------
    def build_sparql(self, q: Question) -> tuple[str, str]:
        """(query, what the rows are) for a structured question."""
        body, extra, order = [], "", "?id"
        patterns = {
            "technology": "?case ckg:usesTechnology/skos:broader* <{iri}> .",
            "place": "?case ckg:locatedIn/schema:containedInPlace* <{iri}> .",
            "section": "?case ckg:inSection <{iri}> .",
            "org": "{{ ?case ckg:partner <{iri}> }} UNION {{ ?case ckg:organisation/ckg:parentOrganisation* <{iri}> }}",
            "award": "?case ckg:recognition <{iri}> .",
            "standard": "?case ckg:refersToStandard <{iri}> .",
        }
        keep = {id(e) for e in q.technologies + q.places + q.sections + q.orgs + q.awards + q.standards}
        groups = [(k, [e for e in g if id(e) in keep]) for k, g in q.groups]
        groups = [(k, g) for k, g in groups if g]
        # a technology and a narrower one ("PV" and "rooftop PV"): the narrower says more
        narrower_of = {e["id"]: self.engine._narrower(e["id"]) for k, g in groups if k == "technology" for e in g}
        mentioned = set(narrower_of)
        groups = [(k, [e for e in g if not (k == "technology" and narrower_of[e["id"]] & mentioned)]) for k, g in groups]
        groups = [(k, g) for k, g in groups if g]
        if q.any_of:  # "flexible panels or flexible mounting": the technology mentions are alternatives
            techs = [e for kind, g in groups if kind == "technology" for e in g]
            groups = [(k, g) for k, g in groups if k != "technology"] + ([("technology", techs)] if techs else [])
        if q.org_kind or q.target == "companies":
            groups = [(k, g) for k, g in groups if not (k == "org" and q.kind in ("list", "count") and q.org_kind)]
        for kind, group in groups:
            alts = [patterns[e["kind"]].format(iri=e["iri"]) for e in group]
            if len(alts) == 1:
                body.append("  " + alts[0])
            else:
                body.append("  { " + " } UNION { ".join(alts) + " }")
        if q.org_kind == "bank":
            body.append("  ?case ckg:organisation ?org . ?org a ckg:Bank .")
        elif q.org_kind == "grid":
            body.append('  ?case ckg:organisation ?org . ?org ckg:industry ?ind . FILTER(CONTAINS(LCASE(STR(?ind)), "grid") || CONTAINS(LCASE(STR(?ind)), "power supply"))')
        if q.target == "companies" or q.kind in ("oldest",) or q.founded_year or q.exchange:
            if not any("ckg:organisation ?org" in b for b in body):
                body.append("  ?case ckg:organisation ?org .")
            body.append("  ?org rdfs:label ?company . FILTER(lang(?company) = \"" + q.lang + "\")")
            extra += " ?company"
        if q.founded_year:
            body.append(f'  ?org schema:foundingDate ?founded . FILTER(STR(?founded) = "{q.founded_year}")')
            extra += " ?founded"
        if q.exchange:
            code, zh = q.exchange
            body.append(f'  ?org ckg:listedOn ?listed . FILTER(CONTAINS(UCASE(?listed), "{code.upper()}") || CONTAINS(?listed, "{zh}"))')
            extra += " ?listed"
        if q.kind == "oldest":
            body.append("  ?org schema:foundingDate ?founded .")
            extra += " ?founded"
            order = "?founded ?id"
        if q.kind in ("compare", "superlative"):
            ind = q.indicator
            measure = f"<{ID}indicator/{ind.replace('_', '-')}>" if ind not in ("charging", "employees") else None
            unit = q.unit or "t"
            lines = ["  ?case ckg:reportsOutcome ?o .", "  ?o schema:value ?value ; ckg:unitSymbol ?unit ; ckg:surface ?surface ; ckg:quote ?quote ; ckg:startLine ?line .",
                     "  OPTIONAL { ?o ckg:year ?year }"]
            if measure:
                lines.append(f"  ?o ckg:measures {measure} .")
            if ind == "charging":
                lines.append('  FILTER(CONTAINS(?quote, "充电"))')
            if ind == "employees":
                lines.append('  FILTER(CONTAINS(?quote, "员工") || CONTAINS(?quote, "雇员"))')
            if ind == "energy-saved" and not q.unit:
                lines.append('  FILTER(?unit IN ("kWh", "tce"))')
            else:
                lines.append(f'  FILTER(?unit = "{unit}")')
            if not re.search(r"目标|预计|计划|target|plan|forecast|expect|project", q.text, re.I):
                lines.append("  FILTER NOT EXISTS { ?o ckg:projected true }")  # reported results, not targets
            if q.period == "annual":  # a figure for one year: anything the text does not call cumulative
                lines.append("  FILTER NOT EXISTS { ?o ckg:period ckg:Cumulative }")
            elif q.period == "cumulative":
                lines.append("  ?o ckg:period ckg:Cumulative .")
            for t in q.technologies:  # a figure about that technology: its quote names it
                labels = [x for x in self._tech_labels(t["id"]) if len(x) >= 2][:12]
                if labels:
                    lines.append("  FILTER(" + " || ".join(f'CONTAINS(?quote, "{x}")' for x in labels) + ")")
            if q.kind == "compare":
                lines.append(f"  FILTER(?value {q.comparator} {q.amount:.6g})")
                order = "?id DESC(?value)"
            else:
                order = ("DESC(?value)" if q.superlative == "max" else "?value") + " ?id"
            body += lines
            extra += " ?value ?unit ?surface ?year ?quote ?line"
        sparql = SELECT_HEAD.format(extra=extra, body="\n".join(body) + "\n", order=order)
        if q.kind in ("superlative",):
            sparql += "\nLIMIT 10"
        return sparql, q.kind or "list"

    def _tech_labels(self, tech_id: str) -> list[str]:
        ids = {tech_id} | self.engine._narrower(tech_id)
        out = []
        for i in ids:
            e = self.engine.entity_by_key.get(("technology", i))
            if e:
                out += e["labels_zh"]
        return sorted(set(out), key=len)

    def structured(self, q: Question) -> dict | None:
        if q.kind == "attribute":
            return self.attribute(q)
        sparql, _ = self.build_sparql(q)
        res = self.store.query(sparql)
        rows = res.dicts()
        if q.kind == "superlative" and rows:
            top = rows[0]["value"]
            rows = [r for r in rows if r["value"] == top]
        if q.kind == "oldest" and rows:
            first = rows[0]["founded"]
            rows = [r for r in rows if r["founded"] == first]
        ids = list(dict.fromkeys(r["id"] for r in rows))
        if not ids and q.kind in ("superlative", "compare") and not q.constraints:
            return None  # the graph has no such figure: try the text
        cases = [self._case_ref(c) for c in ids]
        answer = self._structured_text(q, rows, ids)
        citations = self._citations(q, rows, ids)
        return {"query": q.text, "lang": q.lang, "answered": True, "answer": answer, "cases": cases,
                "citations": citations, "sparql": sparql,
                "rows": {"vars": res.variables, "rows": [[t.value if t else None for t in row] for row in res.rows]},
                "intent": q.kind}

    def _case_ref(self, cid: str) -> dict:
        c = self.engine.case_by_id[cid]
        return {"case_id": cid, "title_zh": c["title_zh"], "title_en": c["title_en"], "company_zh": c["company_zh"],
                "company_en": c["company_en"]}

    def _name(self, cid: str, lang: str) -> str:
        c = self.engine.case_by_id[cid]
        return f"{c['company_zh']}（{cid}）" if lang == "zh" else f"{c['company_en']} ({cid})"

    def _structured_text(self, q: Question, rows: list[dict], ids: list[str]) -> str:
        zh = q.lang == "zh"
        names = ("、" if zh else "; ").join(self._name(c, q.lang) for c in ids)
        if not ids:
            return "图谱中没有符合条件的案例。" if zh else "No case in the graph matches."
        if q.kind == "count":
            return f"共有 {len(ids)} 个：{names}。" if zh else f"{len(ids)}: {names}."
        if q.kind in ("compare", "superlative"):
            best = {}
            for r in rows:
                best.setdefault(r["id"], r)
            def fig(r):
                year = r.get("year")
                if zh:
                    return f"{r['surface']}" + (f"（{year}年）" if year else "")
                return f"{r['surface']} ({_fmt_value(r['value'], r['unit'], 'en')}" + (f", {year})" if year else ")")

            parts = [f"{self._name(c, q.lang)} {fig(best[c])}" for c in ids]
            if q.kind == "superlative":
                lead = ("最大的是" if q.superlative == "max" else "最小的是") if zh else ("The largest is" if q.superlative == "max" else "The smallest is")
                return f"{lead} {parts[0]}。" if zh else f"{lead} {parts[0]}."
            return (f"符合条件的有 {len(ids)} 个：" + "；".join(parts) + "。") if zh else (f"{len(ids)} match: " + "; ".join(parts) + ".")
        if q.kind == "oldest":
            r = rows[0]
            return (f"成立最早的是{self._name(r['id'], 'zh')}，成立于 {r['founded']} 年。" if zh
                    else f"The oldest is {self._name(r['id'], 'en')}, founded in {r['founded']}.")
        return f"共 {len(ids)} 个：{names}。" if zh else f"{len(ids)}: {names}."

    def _citations(self, q: Question, rows: list[dict], ids: list[str]) -> list[dict]:
        out = []
        seen = set()
        for r in rows:
            if "quote" in r and r["id"] not in seen:
                seen.add(r["id"])
                out.append(self._cite(r["id"], r["quote"], r["line"]))
        if out:
            return out[:10]
        # otherwise the evidence of the first constraint that links the case
        preds = [("ckg:usesTechnology", t["iri"]) for t in q.technologies[:1]] + \
                [("ckg:locatedIn", p["iri"]) for p in q.places[:1]] + [("ckg:partner", o["iri"]) for o in q.orgs[:1]] + \
                [("ckg:recognition", a["iri"]) for a in q.awards[:1]]
        for cid in ids[:10]:
            for pred, iri in preds:
                ev = self.store.query(f"""SELECT ?quote ?line WHERE {{ ?e rdf:subject case:{cid} ; rdf:predicate {pred} ;
                    rdf:object ?o ; ckg:quote ?quote ; ckg:startLine ?line . ?o skos:broader*|schema:containedInPlace* <{iri}> }}
                    ORDER BY ?line LIMIT 1""").dicts()
                if ev:
                    out.append(self._cite(cid, ev[0]["quote"], ev[0]["line"]))
                    break
            else:
                # no link evidence (e.g. "which companies are banks"): the sentence of the case that best supports it
                sent = self._best_sentence(q, [cid])
                if sent:
                    out.append(self._cite_sentence(sent))
        return out

    def _cite(self, cid: str, quote: str, line: int) -> dict:
        part = self._part_at(cid, int(line))
        c = self.engine.case_by_id[cid]
        return {"case_id": cid, "title_zh": c["title_zh"], "title_en": c["title_en"], "part": part,
                "part_zh": PART_ZH.get(part, ""), "part_en": PART_EN.get(part, ""), "start_line": int(line),
                "end_line": int(line) + quote.count("\n"), "quote": quote}

    def _part_at(self, cid: str, line: int) -> str:
        best = None
        for ch in self.engine.chunks:
            if ch["case_id"] == cid and ch["start_line"] <= line <= ch["end_line"]:
                return ch["part"]
            if ch["case_id"] == cid and ch["start_line"] <= line:
                best = ch["part"]
        return best or "overview"

    # -- attributes of a company ---------------------------------------------------------
    def attribute(self, q: Question) -> dict | None:
        org = q.orgs[0]
        if q.attribute == "founded":
            sparql = f"""SELECT ?company ?founded ?quote ?line WHERE {{
  <{org['iri']}> rdfs:label ?company ; schema:foundingDate ?founded .
  FILTER(lang(?company) = "{q.lang}")
  OPTIONAL {{ ?e rdf:subject <{org['iri']}> ; rdf:predicate schema:foundingDate ; ckg:quote ?quote ; ckg:startLine ?line }}
}}"""
        else:
            sparql = f"""SELECT ?company ?listed WHERE {{
  <{org['iri']}> rdfs:label ?company ; ckg:listedOn ?listed .
  FILTER(lang(?company) = "{q.lang}")
}}"""
        res = self.store.query(sparql)
        rows = res.dicts()
        case_ids = [c for c, n in org["cases"].items() if n >= 10] or list(org["cases"])[:1]
        # the text says more than the graph (dates of listings, predecessors): cite the sentence that says it
        keyword = r"成立|创立|创建|创办|始建|前身" if q.attribute == "founded" else r"上市|股票代码|证券代码|交易所"
        sent = self._best_sentence(q, case_ids, must=keyword)
        if not rows and sent is None:
            return None
        zh = q.lang == "zh"
        if rows and q.attribute == "founded":
            r = rows[0]
            answer = f"{r['company']}成立于 {r['founded']} 年。" if zh else f"{r['company']} was founded in {r['founded']}."
        elif rows:
            listed = "、".join(r["listed"] for r in rows)
            answer = f"{rows[0]['company']}上市信息：{listed}。" if zh else f"{rows[0]['company']} is listed: {', '.join(r['listed'] for r in rows)}."
        else:
            answer = ""
        citations = []
        if sent:
            citations.append(self._cite_sentence(sent))
            answer = (answer + f"原文：“{sent['text']}”") if zh else (answer + f" The text says: “{sent['text']}”")
        return {"query": q.text, "lang": q.lang, "answered": True, "answer": answer.strip(),
                "cases": [self._case_ref(c) for c in case_ids], "citations": citations,
                "sparql": sparql if rows else None,
                "rows": {"vars": res.variables, "rows": [[t.value if t else None for t in row] for row in res.rows]} if rows else None,
                "intent": "attribute"}

    # -- extractive answers ----------------------------------------------------------------
    def _best_sentence(self, q: Question, case_ids: list[str], must: str | None = None, case_prior: dict | None = None):
        rows, vecs = self.engine.sentences()
        qvec = self.engine._embed_query(q.text)
        cand = [i for i, r in enumerate(rows) if r["case_id"] in case_ids and (must is None or re.search(must, r["text"]))]
        if not cand:
            return None
        sims = vecs[[rows[i]["vec"] for i in cand]] @ qvec
        terms = [m.label for m in q.mentions] + [t for t in self.engine.tokenizer.tokens(q.text) if len(t) >= 2] \
            if q.lang == "zh" else [lab for m in q.mentions for lab in m.entity["labels_zh"][:3]] + zh_hints(q.text)
        best, best_score = None, -1e9
        for k, i in enumerate(cand):
            r = rows[i]
            score = float(sims[k])
            overlap = sum(1 for t in set(terms) if t and t in r["text"])
            score += (0.02 if q.lang == "zh" else 0.03) * min(overlap, 5)
            if q.asks_amount or q.indicator:
                qs = extract(r["text"])
                if qs:
                    score += 0.03
                    if q.indicator and any(x.indicator == q.indicator for x in qs):
                        score += 0.05
                elif q.asks_amount:
                    score -= 0.03
            if case_prior:
                score += case_prior.get(r["case_id"], 0.0)
            if score > best_score:
                best, best_score = r, score
        return best

    def _cite_sentence(self, r: dict) -> dict:
        c = self.engine.case_by_id[r["case_id"]]
        return {"case_id": r["case_id"], "title_zh": c["title_zh"], "title_en": c["title_en"], "part": r["part"],
                "part_zh": PART_ZH[r["part"]], "part_en": PART_EN[r["part"]], "start_line": r["start_line"],
                "end_line": r["end_line"], "quote": r["text"]}

    def extractive(self, q: Question) -> dict:
        res = self.engine.search(q.text, k=5)
        results = res["results"]
        if not results:
            return self._refuse(q, [q.text])
        top_ids = [r["case_id"] for r in results[:3]]
        prior = {cid: 0.08 * (1.0 - i / 2) for i, cid in enumerate(top_ids)}
        sent = self._best_sentence(q, top_ids, case_prior=prior)
        # is the collection really about this? a question no leg links well is not answered by the nearest case
        top = results[0]
        weak = top["ranks"].get("entity") is None and not res["entities"] and self._max_dense(q) < self.threshold
        if weak:
            return self._refuse(q, [])
        cid = sent["case_id"] if sent else top["case_id"]
        c = self.engine.case_by_id[cid]
        figures = extract(sent["text"]) if sent else []
        if q.lang == "zh":
            answer = f"据{c['company_zh']}案例（{PART_ZH[sent['part']]}，第{sent['start_line']}–{sent['end_line']}行）：{sent['text']}" if sent else top["title_zh"]
        else:
            fig = ""
            if figures and (q.asks_amount or q.indicator):
                pick = next((x for x in figures if q.indicator and x.indicator == q.indicator), figures[0])
                fig = f" The figure: {pick.surface}" + (f" ({_fmt_value(pick.value, pick.unit, 'en')})" if pick.unit not in ("%", "count") else "") + "."
            answer = (f"According to the {c['company_en']} case ({cid}, {PART_EN[sent['part']]}, lines "
                      f"{sent['start_line']}–{sent['end_line']}):{fig} The text (Chinese) says: “{sent['text']}”") if sent else top["title_en"]
        ordered = [cid] + [r["case_id"] for r in results if r["case_id"] != cid]
        return {"query": q.text, "lang": q.lang, "answered": True, "answer": answer,
                "cases": [self._case_ref(x) for x in ordered[:5]],
                "citations": [self._cite_sentence(sent)] if sent else [], "sparql": None, "rows": None,
                "intent": "extractive"}

    threshold: float = 0.80

    def _max_dense(self, q: Question) -> float:
        qvec = self.engine._embed_query(q.text)
        chunk, _ = self.engine.dense_scores(qvec)
        return float(np.max(chunk))
