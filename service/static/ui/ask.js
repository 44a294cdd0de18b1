/* The Ask & search page: one box; /api/ask answers, /api/search ranks the cases, facets narrow them.
 *
 * When the collection does not answer the question, the ranked cases are shown only if they are plausibly
 * related — their fused search score at least cfg.relatedScore, a threshold calibrated on real questions
 * against nonsense and out-of-scope ones (service/ui/relatedness.toml) — and are labelled as such.
 * A live region announces the outcome (answer ready / no answer, and how many cases) to screen readers. */
(function () {
  "use strict";
  var U = window.CKGUI;
  var el = U.el;
  var cfg = U.config();
  var S = cfg.strings;
  var L = cfg.lang;
  var FACETS = ["section", "technology", "place", "year"];
  var API_FILTER = { section: "section", technology: "technology", place: "location", year: "year" };

  var form, input, button, status, answerSec, answerBody, searchSec, results, count, searchStatus, facetsForm,
      entitiesBox, resultsHeading, announcer;
  var state = { q: "", filters: {}, base: null, answered: null };
  var askSeq = 0, searchSeq = 0, pending = 0;
  var facetData = null;

  function pick(obj, key) {
    if (!obj) return "";
    var other = L === "zh" ? "en" : "zh";
    if (!key) return obj[L] || obj[other] || "";
    return obj[key + "_" + L] || obj[key + "_" + other] || "";
  }

  function setRunning(delta) {
    pending += delta;
    if (pending > 0) {
      status.textContent = "";
      status.appendChild(U.spinner(S.running));
      button.disabled = true;
      form.setAttribute("aria-busy", "true");
    } else {
      pending = 0;
      status.textContent = "";
      button.disabled = false;
      form.removeAttribute("aria-busy");
    }
  }

  function urlFor(q, filters) {
    var p = new URLSearchParams();
    if (q) p.set("q", q);
    FACETS.forEach(function (f) { if (filters[f]) p.set(f, filters[f]); });
    var s = p.toString();
    return location.pathname + (s ? "?" + s : "");
  }

  // -- running a question ----------------------------------------------------------------------

  function run(q, filters, push) {
    q = (q || "").trim();
    state.q = q;
    state.filters = filters || {};
    state.base = null;
    if (push !== false) history.pushState({ q: q, filters: state.filters }, "", urlFor(q, state.filters));
    if (!q) {
      status.textContent = "";
      status.appendChild(el("span", { class: "notice warn" }, S.empty_query));
      answerSec.hidden = true;
      searchSec.hidden = true;
      return;
    }
    document.title = q + " · " + S.site_short;
    announcer.textContent = "";
    var answered = ask(q);
    search(q, state.filters, true, answered);
  }

  /** Asks; the promise resolves to true (answered), false (not answered) or null (no answer service). */
  function ask(q) {
    var seq = ++askSeq;
    state.answered = null;
    answerSec.hidden = false;
    answerSec.setAttribute("aria-busy", "true");
    answerBody.textContent = "";
    answerBody.appendChild(el("p", { class: "note" }, U.spinner(S.running)));
    setRunning(1);
    return U.request("/api/ask?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } }).then(function (res) {
      if (seq !== askSeq) return null;
      answerSec.removeAttribute("aria-busy");
      renderAnswer(res);
      state.answered = res.ok && res.body ? !!res.body.answered : null;
      return state.answered;
    }).finally(function () { setRunning(-1); });
  }

  function search(q, filters, fresh, answered) {
    var seq = ++searchSeq;
    var p = new URLSearchParams({ q: q, k: "15" });
    FACETS.forEach(function (f) { if (filters[f]) p.set(API_FILTER[f], filters[f]); });
    searchSec.hidden = false;
    results.setAttribute("aria-busy", "true");
    searchStatus.textContent = "";
    searchStatus.appendChild(el("p", { class: "note" }, U.spinner(S.running)));
    setRunning(1);
    var requests = [U.request("/api/search?" + p.toString(), { headers: { Accept: "application/json" } })];
    // the facets count over the unfiltered ranking of this query
    if (fresh && hasFilters(filters)) {
      requests.push(U.request("/api/search?" + new URLSearchParams({ q: q, k: "15" }).toString()));
    }
    Promise.all([Promise.all(requests), answered || Promise.resolve(state.answered)]).then(function (both) {
      var all = both[0];
      if (seq !== searchSeq) return;
      results.removeAttribute("aria-busy");
      var res = all[0];
      if (res.ok && res.body) {
        if (!hasFilters(filters)) state.base = res.body.results;
        else if (all[1] && all[1].ok) state.base = all[1].body.results;
      }
      var shown = renderResults(res, filters, both[1]);
      renderFacets();
      if (answered) announce(both[1], shown);
    }).finally(function () { setRunning(-1); });
  }

  function announce(answered, shown) {
    var parts = [answered === false ? S.announce_no_answer : answered ? S.announce_answer : ""];
    if (shown !== null) parts.push(U.fmt(S.announce_results, { n: shown }));
    announcer.textContent = parts.join(" ").trim();
  }

  function hasFilters(filters) {
    return FACETS.some(function (f) { return !!filters[f]; });
  }

  // -- the answer ------------------------------------------------------------------------------

  function renderAnswer(res) {
    answerBody.textContent = "";
    if (!res.ok) {
      if (res.status === 404 || res.status === 405) {
        answerBody.appendChild(el("p", { class: "notice warn" }, S.ask_unavailable));
      } else {
        answerBody.appendChild(U.errorBox(U.explain(S, res)));
      }
      return;
    }
    var a = res.body || {};
    var answerLang = a.lang === "en" ? "en" : "zh-Hans";
    if (!a.answered) {
      var box = el("div", { class: "notice warn not-answered" }, el("strong", { text: S.not_answered }));
      if (a.answer) box.appendChild(el("p", { class: "answer-text", lang: answerLang, text: a.answer }));
      answerBody.appendChild(box);
    } else {
      answerBody.appendChild(el("p", { class: "answer-text", id: "answer-text", lang: answerLang,
                                       text: a.answer || S.empty_answer }));
    }
    var kind = el("p", { class: "source-kind note" }, a.sparql ? S.from_graph : S.from_text);
    if (a.intent) kind.appendChild(el("span", null, " · " + S.intent + ": ", el("span", { class: "tag", title: a.intent, text: S["intent_" + a.intent] || a.intent })));
    if (a.answered) answerBody.appendChild(kind);

    if (a.cases && a.cases.length) {
      var cases = el("p", { class: "answer-cases" }, el("span", { class: "note" }, S.answer_cases + ": "));
      a.cases.forEach(function (c) {
        cases.appendChild(el("a", { class: "chip", href: "/cases/" + encodeURIComponent(c.case_id) }, pick(c, "title") || c.case_id));
      });
      answerBody.appendChild(cases);
    }
    if (a.citations && a.citations.length) {
      answerBody.appendChild(el("h3", { text: S.citations }));
      var ol = el("ol", { class: "citations" });
      a.citations.forEach(function (c) {
        var link = el("a", { class: "citation", href: U.caseLink(c.case_id, c.quote, c.start_line) },
          pick(c, "title") || c.case_id);
        var where = [pick(c, "part"), U.linesLabel(S, c.start_line, c.end_line)].filter(Boolean).join(" · ");
        ol.appendChild(el("li", null, link, el("span", { class: "note" }, " (" + where + ")"),
          c.quote ? el("div", null, el("q", { lang: "zh-Hans", text: c.quote })) : null));
      });
      answerBody.appendChild(ol);
    }
    if (a.sparql) {
      // the query itself collapsed (long, and most readers want the answer); the editor link always visible
      answerBody.appendChild(el("details", { class: "sparql-used" },
        el("summary", { text: S.sparql_used }),
        el("pre", { class: "sparql" }, el("code", { text: a.sparql }))));
      answerBody.appendChild(el("p", { class: "editor-link" },
        el("a", { class: "open-editor", href: cfg.editor + "?query=" + encodeURIComponent(a.sparql) }, S.open_in_editor)));
    }
    if (a.rows && (a.rows.columns || a.rows.vars) && a.rows.rows && a.rows.rows.length) {
      var table = U.resultsTable(a.rows.columns || a.rows.vars, a.rows.rows,
        { cfg: cfg, className: "graph-rows", max: 200, sortable: true });
      var cmp = comparison(a.rows);
      if (cmp) {
        answerBody.appendChild(cmp);
        // every row the query returned, for whoever wants them
        answerBody.appendChild(el("details", { class: "all-rows" }, el("summary", { text: S.graph_rows }),
          el("div", { class: "table-wrap" }, table)));
      } else {
        answerBody.appendChild(el("h3", { text: S.graph_rows }));
        answerBody.appendChild(el("div", { class: "table-wrap" }, table));
      }
    }
  }

  // -- a comparison of figures between cases ---------------------------------------------------

  /**
   * comparison(rows) → a readable table when an answer's rows are figures of cases (id, value, unit …):
   * figures reported as achieved first, in the order the answer ranked them (by the value asked about),
   * one row per case (a button shows every figure), each with the company, the figure in the reader's
   * language and units, its year and period; a projection or target is marked as one. null otherwise.
   */
  function comparison(rows) {
    var vars = rows.columns || rows.vars;
    var ix = {};
    vars.forEach(function (v, i) { ix[typeof v === "string" ? v : v.name] = i; });
    if (ix.id === undefined || ix.value === undefined || ix.unit === undefined) return null;
    function get(r, k) {
      var x = ix[k] === undefined ? null : r[ix[k]];
      return x && typeof x === "object" ? x.value : x;
    }
    var all = rows.rows.map(function (r) {
      return { id: get(r, "id"), title: L === "zh" ? get(r, "title_zh") : (get(r, "title_en") || get(r, "title_zh")),
               company: get(r, "company"), value: parseFloat(get(r, "value")), unit: get(r, "unit"),
               surface: get(r, "surface"), year: get(r, "year"), period: String(get(r, "period") || ""),
               projected: String(get(r, "projected")) === "true", line: get(r, "line"), quote: get(r, "quote") };
    }).filter(function (o) { return !isNaN(o.value); });
    if (!all.length) return null;
    // achieved before projected; the answer's own order (by the value asked about) within each
    var ranked = all.filter(function (o) { return !o.projected; }).concat(all.filter(function (o) { return o.projected; }));
    var seen = {};
    var first = ranked.filter(function (o) { if (seen[o.id]) return false; seen[o.id] = true; return true; });
    var units = cfg.units || {};
    function figure(o) {
      if (L === "zh" && o.surface) return o.surface;
      var u = units[o.unit] === undefined ? o.unit : units[o.unit];
      return U.formatNumber(o.value, L) + (u ? " " + u : "");
    }
    function period(o) {
      var p = o.period.slice(o.period.lastIndexOf("#") + 1).toLowerCase();
      return S["period_" + p] || "";
    }
    var box = el("div", { class: "comparison" });
    box.appendChild(el("h3", { text: S.cmp_title }));
    var table = el("table", { class: "results-table comparison-table" });
    table.appendChild(el("thead", null, el("tr", null,
      el("th", { scope: "col", text: S.cmp_company }), el("th", { scope: "col", class: "num", text: S.cmp_figure }),
      el("th", { scope: "col", text: S.cmp_year }), el("th", { scope: "col", text: S.cmp_period }),
      el("th", { scope: "col", text: S.cmp_case }))));
    var tbody = el("tbody");
    table.appendChild(tbody);
    function fill(list) {
      tbody.textContent = "";
      list.forEach(function (o) {
        var fig = el("td", { class: "num" }, figure(o));
        if (o.projected) fig.appendChild(el("span", { class: "tag projected" }, S.projected));
        tbody.appendChild(el("tr", { class: o.projected ? "projected" : null },
          el("td", null, o.company || ""), fig, el("td", null, o.year ? String(o.year) : ""), el("td", null, period(o)),
          el("td", null, el("a", { href: U.caseLink(o.id, o.quote || "", o.line ? parseInt(o.line, 10) : null) },
            o.title || o.id))));
      });
    }
    fill(first);
    box.appendChild(el("div", { class: "table-wrap" }, table));
    if (ranked.length > first.length) {
      var more = el("button", { type: "button", class: "more", "aria-expanded": "false" },
        S.cmp_every_figure.replace("{n}", String(ranked.length)));
      more.addEventListener("click", function () {
        var open = more.getAttribute("aria-expanded") === "true";
        fill(open ? first : ranked);
        more.setAttribute("aria-expanded", open ? "false" : "true");
        more.textContent = open ? S.cmp_every_figure.replace("{n}", String(ranked.length)) : S.cmp_one_per_case;
      });
      box.appendChild(el("p", null, more));
    }
    return box;
  }

  // -- the ranked cases ------------------------------------------------------------------------

  /** Shows the ranked cases; returns how many are shown (null when the search failed). */
  function renderResults(res, filters, answered) {
    results.textContent = "";
    searchStatus.textContent = "";
    entitiesBox.textContent = "";
    count.textContent = "";
    if (!res.ok) {
      var info = U.explain(S, res);
      info.title = S.search_failed + info.title;
      searchStatus.appendChild(U.errorBox(info));
      return null;
    }
    var data = res.body;
    var list = data.results;
    // no answer: only cases plausibly related to the question, labelled as such
    var related = answered === false;
    if (related) {
      list = list.filter(function (r) { return r.score >= cfg.relatedScore; });
      if (!hasFilters(filters)) state.base = list;  // the facets count what is shown
    }
    resultsHeading.textContent = related ? S.maybe_related : S.results;
    searchSec.classList.toggle("maybe-related", related);
    if (data.entities && data.entities.length) {
      entitiesBox.appendChild(el("span", { class: "note" }, S.recognised + " "));
      data.entities.forEach(function (e) {
        var href = U.pageFor(cfg, e.iri);
        entitiesBox.appendChild(href ? el("a", { class: "chip", href: href }, pick(e))
                                     : el("span", { class: "chip" }, pick(e)));
      });
    }
    count.textContent = "(" + U.fmt(S.results_count, { n: list.length }) + ")";
    if (!list.length) {
      searchStatus.appendChild(el("p", { class: "notice warn no-results" },
        related ? S.nothing_related : hasFilters(filters) ? S.no_results_filtered : S.no_results));
      return 0;
    }
    if (related) searchStatus.appendChild(el("p", { class: "note related-note" }, S.maybe_related_note));
    list.forEach(function (r, i) {
      var title = el("h3", null, el("span", { class: "note" }, (i + 1) + ". "),
        el("a", { class: "result-link", href: "/cases/" + encodeURIComponent(r.case_id) }, pick(r, "title")));
      var meta = el("p", { class: "meta" }, [pick(r, "company"), pick(r.section), S.score + " " + r.score.toFixed(4)].join(" · "));
      var ranks = el("p", { class: "ranks" }, S.ranks + " ");
      ["dense", "lexical", "entity"].forEach(function (leg, j) {
        var v = r.ranks ? r.ranks[leg] : null;
        if (j) ranks.appendChild(document.createTextNode(" · "));
        ranks.appendChild(el("span", { class: "leg leg-" + leg }, S["leg_" + leg] + " ",
          el("b", { text: v ? "#" + v : S.leg_none })));
      });
      var li = el("li", { class: "result card", "data-case": r.case_id }, title, meta, ranks);
      (r.passages || []).forEach(function (p) {
        var src = el("p", { class: "src" }, el("a", { href: "/cases/" + encodeURIComponent(r.case_id) + "#L" + p.start_line },
          pick(p, "part") + " · " + U.linesLabel(S, p.start_line, p.end_line)));
        li.appendChild(el("blockquote", { class: "passage" }, src,
          el("p", { lang: "zh-Hans", class: "snippet", html: p.highlighted })));
      });
      results.appendChild(li);
    });
    // the outcomes of the cases listed, as a spreadsheet (/api/outcomes)
    var ids = list.map(function (r) { return r.case_id; }).join(",");
    var dl = el("p", { class: "downloads note", id: "results-downloads" }, S.dl_results + " ");
    ["csv", "xlsx"].forEach(function (fmt, j) {
      if (j) dl.appendChild(document.createTextNode(" · "));
      dl.appendChild(el("a", { class: "download", download: "",
        href: "/api/outcomes?" + new URLSearchParams({ case: ids, format: fmt }).toString() }, fmt.toUpperCase()));
    });
    searchStatus.appendChild(dl);
    return list.length;
  }

  // -- facets ----------------------------------------------------------------------------------

  function loadFacets() {
    if (facetData) return Promise.resolve(facetData);
    return U.request(cfg.facets).then(function (res) {
      if (res.ok && res.body) facetData = res.body;
      return facetData;
    });
  }

  function renderFacets() {
    loadFacets().then(function (data) {
      var layout = searchSec.querySelector(".search-layout");
      if (!data || !state.base || !state.base.length) {
        facetsForm.hidden = true;
        layout.classList.add("no-facets");
        return;
      }
      facetsForm.hidden = false;
      layout.classList.remove("no-facets");
      FACETS.forEach(function (f) {
        var counts = {};
        state.base.forEach(function (r) {
          var c = data.cases[r.case_id];
          if (!c) return;
          var vals = f === "section" ? [c.section] : (c[f] || []);
          vals.forEach(function (v) { counts[v] = (counts[v] || 0) + 1; });
        });
        var select = facetsForm.querySelector("select[data-facet='" + f + "']");
        var chosen = state.filters[f] || "";
        select.textContent = "";
        select.appendChild(el("option", { value: "" }, S.any));
        var keys = Object.keys(counts);
        if (chosen && keys.indexOf(String(chosen)) < 0) keys.push(String(chosen));
        keys.sort(function (a, b) {
          if (f === "year") return Number(b) - Number(a);
          return (counts[b] || 0) - (counts[a] || 0) || label(data, f, a).localeCompare(label(data, f, b));
        });
        keys.slice(0, 40).forEach(function (k) {
          select.appendChild(el("option", { value: k, selected: String(chosen) === k },
            label(data, f, k) + " (" + (counts[k] || 0) + ")"));
        });
        select.value = String(chosen);
      });
    });
  }

  function label(data, facet, key) {
    if (facet === "year") return key;
    var l = data.labels[facet] && data.labels[facet][key];
    return l ? pick(l) : key;
  }

  function onFacetChange() {
    var filters = {};
    FACETS.forEach(function (f) {
      var v = facetsForm.querySelector("select[data-facet='" + f + "']").value;
      if (v) filters[f] = v;
    });
    state.filters = filters;
    history.pushState({ q: state.q, filters: filters }, "", urlFor(state.q, filters));
    search(state.q, filters, false, null);
  }

  // -- wiring ----------------------------------------------------------------------------------

  function fromLocation() {
    var p = new URLSearchParams(location.search);
    var filters = {};
    FACETS.forEach(function (f) { if (p.get(f)) filters[f] = p.get(f); });
    return { q: p.get("q") || "", filters: filters };
  }

  document.addEventListener("DOMContentLoaded", function () {
    form = document.getElementById("ask-form");
    input = document.getElementById("q");
    button = document.getElementById("ask-button");
    status = document.getElementById("status");
    answerSec = document.getElementById("answer");
    answerBody = document.getElementById("answer-body");
    searchSec = document.getElementById("search");
    results = document.getElementById("results");
    count = document.getElementById("results-count");
    searchStatus = document.getElementById("search-status");
    facetsForm = document.getElementById("facets");
    entitiesBox = document.getElementById("entities");
    resultsHeading = document.getElementById("results-heading");
    announcer = document.getElementById("announce");

    U.onSubmit("ask-form", function () { run(input.value, {}, true); });
    Array.prototype.forEach.call(document.querySelectorAll("button.try"), function (b) {
      b.addEventListener("click", function () {
        input.value = b.getAttribute("data-q");
        run(input.value, {}, true);
        input.focus();
      });
    });
    Array.prototype.forEach.call(facetsForm.querySelectorAll("select"), function (s) {
      s.addEventListener("change", onFacetChange);
    });
    facetsForm.addEventListener("submit", function (ev) { ev.preventDefault(); });
    document.getElementById("clear-filters").addEventListener("click", function () {
      Array.prototype.forEach.call(facetsForm.querySelectorAll("select"), function (s) { s.value = ""; });
      onFacetChange();
    });
    window.addEventListener("popstate", function () {
      var st = fromLocation();
      input.value = st.q;
      if (st.q) run(st.q, st.filters, false);
    });
    var initial = fromLocation();
    if (initial.q) {
      input.value = initial.q;
      run(initial.q, initial.filters, false);
    }
    U.ready();
  });
})();
