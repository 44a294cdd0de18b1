/* climatekg web interface: what every page shares (no dependencies).
 *
 * Loaded in <head> without `defer`, before anything else, so that:
 * - a form marked data-js-form is never submitted natively: a submit before the page's script has bound its
 *   handler (a quick click while the editor's scripts load) is held and replayed once it has;
 * - the page says when it is ready: <html data-ready> and a "ckg:ready" event, once the page's own script
 *   (marked data-page-script) has set itself up — or at DOMContentLoaded on pages without one. Tests wait
 *   for it instead of guessing.
 * It also holds the one renderer of query-result tables (the editor's results and an answer's rows), the
 * rule for links built from data (http/https only), and the disclosure controls of long sections.
 */
(function () {
  "use strict";

  // -- forms: no native submit, ever; early submits wait for their handler ---------------------------------
  var handlers = {}, held = {};

  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (!form || !form.hasAttribute || !form.hasAttribute("data-js-form")) return;
    ev.preventDefault();
    if (handlers[form.id]) handlers[form.id](ev);
    else held[form.id] = ev;
  }, true);

  /** onSubmit("form-id", fn): fn handles every submit of the form, including one made before this call. */
  function onSubmit(id, fn) {
    handlers[id] = fn;
    if (held[id]) { var ev = held[id]; delete held[id]; fn(ev); }
  }

  // -- readiness --------------------------------------------------------------------------------------
  var isReady = false;
  function ready() {
    if (isReady) return;
    isReady = true;
    document.documentElement.setAttribute("data-ready", "");
    document.dispatchEvent(new CustomEvent("ckg:ready"));
  }

  function config() {
    var node = document.getElementById("ckg-config");
    if (!node) return { lang: document.documentElement.lang.indexOf("zh") === 0 ? "zh" : "en", strings: {} };
    try { return JSON.parse(node.textContent); } catch (e) { return { strings: {} }; }
  }

  /** el("a", {href: "/x", class: "y"}, "text", child) — attributes are set, children are text or nodes. */
  function el(tag, attrs) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v === null || v === undefined || v === false) return;
        if (k === "text") node.textContent = v;
        else if (k === "html") node.innerHTML = v; // only for HTML our API has already escaped
        else if (k === "href") { var h = safeHref(v); if (h) node.setAttribute("href", h); }
        else node.setAttribute(k, v === true ? "" : v);
      });
    }
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i];
      if (c === null || c === undefined || c === false) continue;
      node.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
    }
    return node;
  }

  /** The URL if following it cannot run script — http(s) or a path on this service — else null. */
  function safeHref(url) {
    if (typeof url !== "string" || !url) return null;
    var s = url.trim();
    if (s.charAt(0) === "/" && s.charAt(1) !== "/" && s.charAt(1) !== "\\") return s;
    if (s.charAt(0) === "#" || s.charAt(0) === "?") return s;
    return /^https?:\/\//i.test(s) ? s : null;
  }

  function fmt(template, values) {
    return String(template).replace(/\{(\w+)\}/g, function (_, k) { return values[k] === undefined ? "" : values[k]; });
  }

  function linesLabel(S, a, b) {
    return (b === undefined || b === null || a === b) ? fmt(S.line_one, { a: a }) : fmt(S.lines_range, { a: a, b: b });
  }

  /** The page of this interface for one of our IRIs, or null. */
  function pageFor(cfg, iri) {
    if (!iri || !cfg.idBase || iri.indexOf(cfg.idBase) !== 0) return null;
    var rest = iri.slice(cfg.idBase.length);
    var parts = rest.split("/");
    if (parts.length === 2) {
      if (parts[0] === "case") return "/cases/" + encodeURIComponent(parts[1]);
      if (["org", "technology", "place", "award", "standard"].indexOf(parts[0]) >= 0)
        return "/entities/" + parts[0] + "/" + encodeURIComponent(parts[1]);
      if (parts[0] === "section") return "/cases#" + encodeURIComponent(parts[1]);
    }
    return "/id/" + rest;
  }

  function caseLink(caseId, quote, line) {
    var url = "/cases/" + encodeURIComponent(caseId);
    if (quote) url += "?hl=" + encodeURIComponent(String(quote).slice(0, 600));
    if (line) url += "#L" + line;
    return url;
  }

  /** fetch → {ok, status, body (parsed JSON or text), contentType}; network failures → {ok:false, status:0}. */
  function request(url, options) {
    return fetch(url, options || {}).then(function (resp) {
      var ct = resp.headers.get("Content-Type") || "";
      var reader = ct.indexOf("json") >= 0 ? resp.json().catch(function () { return null; }) : resp.text();
      return reader.then(function (body) {
        return { ok: resp.ok, status: resp.status, body: body, contentType: ct, headers: resp.headers };
      });
    }, function (err) {
      return { ok: false, status: 0, body: null, network: true, error: String(err) };
    });
  }

  /** A visible explanation of a failed call: {title, message, detail}. */
  function explain(S, res) {
    if (!res || res.status === 0) return { title: S.error, message: S.err_network };
    var e = (res.body && res.body.error) || {};
    var message = e.message || (typeof res.body === "string" ? res.body.slice(0, 500) : "") || ("HTTP " + res.status);
    if (res.status === 503 && e.code === "timeout") return { title: S.err_timeout, message: message, code: "timeout" };
    if (res.status === 503) return { title: S.err_unavailable, message: message, code: e.code };
    if (res.status === 429) return { title: S.err_busy, message: message, code: e.code };
    if (res.status === 403) return { title: S.err_forbidden || S.err_bad_request, message: message, code: e.code };
    if (res.status === 400 || res.status === 413 || res.status === 415)
      return { title: S.err_bad_request, message: message, detail: e.detail, code: e.code };
    if (res.status === 404) return { title: S.not_found, message: message, code: e.code };
    return { title: S.error, message: message, code: e.code };
  }

  function errorBox(info, extraClass) {
    var box = el("div", { class: "notice error" + (extraClass ? " " + extraClass : ""), role: "alert" },
      el("strong", { text: info.title }));
    if (info.message) box.appendChild(el("pre", { text: info.message }));
    return box;
  }

  function spinner(text) {
    return el("span", { class: "running" }, el("span", { class: "spinner", "aria-hidden": "true" }), text);
  }

  // -- the one renderer of query-result tables ----------------------------------------------------------

  var IRI = /^(https?|urn|mailto|javascript|data|vbscript|file|ftp):\S*$/i;
  var NUMERIC = /#(integer|decimal|double|float|long|int|short|nonNegativeInteger|positiveInteger|gYear)$/;

  /** A cell value as {kind: "iri"|"literal"|"bnode"|"empty", value, lang, datatype, number}. Accepts SPARQL
   *  JSON terms ({type, value, "xml:lang", datatype}), {value, ...} objects, strings and numbers. */
  function term(v) {
    if (v === null || v === undefined) return { kind: "empty", value: "" };
    if (typeof v === "number") return { kind: "literal", value: String(v), number: v };
    if (typeof v === "object") {
      var t = v.type === "uri" ? "iri" : v.type === "bnode" ? "bnode" : v.type ? "literal" : null;
      var value = v.value === undefined || v.value === null ? "" : String(v.value);
      if (!t) t = IRI.test(value) ? "iri" : "literal";
      var out = { kind: t, value: value, lang: v["xml:lang"] || v.lang || null, datatype: v.datatype || null };
      if (typeof v.value === "number") out.number = v.value;
      else if (out.datatype && NUMERIC.test(out.datatype) && !/gYear$/.test(out.datatype) && value !== "" && isFinite(value)) out.number = Number(value);
      return out;
    }
    var s = String(v);
    if (IRI.test(s)) return { kind: "iri", value: s };
    if (/^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(s)) return { kind: "literal", value: s, number: Number(s) };
    return { kind: "literal", value: s };
  }

  function formatNumber(n, lang) {
    if (Math.abs(n) >= 1e15 || (n !== 0 && Math.abs(n) < 1e-4)) return String(n);
    return n.toLocaleString(lang === "zh" ? "zh-CN" : "en-US", { maximumFractionDigits: 4 });
  }

  /**
   * resultsTable(columns, rows, opts) → <table>. The editor's SPARQL results and an answer's rows both use it.
   *   columns: names, or {name, zh, en} objects (a label in the reader's language).
   *   rows: arrays aligned with columns, or objects keyed by column name (SPARQL JSON bindings).
   *   opts: {cfg, lang, id, className, max, curie (iri → short text), tags (show @lang / datatype),
   *          sortable (header buttons sort the rows; aria-sort says how)}.
   * An IRI becomes a link only to our own page or an http(s) URL; anything else (javascript:, data:, …)
   * is shown as text.
   */
  function resultsTable(columns, rows, opts) {
    opts = opts || {};
    var cfg = opts.cfg || {};
    var lang = opts.lang || cfg.lang || "en";
    var cols = columns.map(function (c) { return typeof c === "string" ? { name: c } : c; });
    var table = el("table", { class: "results-table" + (opts.className ? " " + opts.className : ""), id: opts.id || null });
    var data = rows.slice(0, opts.max || rows.length).map(function (r) {
      return cols.map(function (c, i) { return term(Array.isArray(r) ? r[i] : r[c.name]); });
    });
    var numeric = cols.map(function (c, i) {
      var seen = data.filter(function (row) { return row[i].kind !== "empty"; });
      return seen.length > 0 && seen.every(function (row) { return row[i].number !== undefined; });
    });
    var head = el("tr");
    cols.forEach(function (c, i) {
      var label = c[lang] || c.label || c.name;
      var th = el("th", { scope: "col", class: numeric[i] ? "num" : null });
      if (opts.sortable && data.length > 1) {
        var b = el("button", { type: "button", class: "sort", "data-col": String(i) }, label);
        b.addEventListener("click", function () { sortBy(i); });
        th.appendChild(b);
      } else th.textContent = label;
      head.appendChild(th);
    });
    table.appendChild(el("thead", null, head));
    var tbody = el("tbody");
    table.appendChild(tbody);

    function cell(t, i) {
      var td = el("td", { class: numeric[i] ? "num" : null });
      if (t.kind === "iri") {
        var href = pageFor(cfg, t.value) || safeHref(t.value);
        var text = opts.curie ? opts.curie(t.value)
          : (cfg.idBase && t.value.indexOf(cfg.idBase) === 0 ? t.value.slice(cfg.idBase.length) : t.value);
        td.appendChild(href ? el("a", { href: href, title: t.value }, text) : el("span", { class: "iri", title: t.value }, text));
      } else if (t.kind === "bnode") {
        td.textContent = "_:" + t.value;
      } else if (t.kind === "literal") {
        var shown = t.number !== undefined && !opts.tags ? formatNumber(t.number, lang) : t.value;
        td.appendChild(el("span", { lang: t.lang ? (t.lang === "zh" ? "zh-Hans" : t.lang) : null }, shown));
        if (opts.tags && t.lang) td.appendChild(el("span", { class: "lit-tag" }, "@" + t.lang));
        else if (opts.tags && t.datatype) td.appendChild(el("span", { class: "lit-tag" }, opts.curie ? opts.curie(t.datatype) : t.datatype));
      }
      return td;
    }

    function fill() {
      tbody.textContent = "";
      data.forEach(function (row) {
        var tr = el("tr");
        row.forEach(function (t, i) { tr.appendChild(cell(t, i)); });
        tbody.appendChild(tr);
      });
    }

    var sortCol = null, sortDir = 1;
    function sortBy(i) {
      sortDir = sortCol === i ? -sortDir : (numeric[i] ? -1 : 1);
      sortCol = i;
      data.sort(function (a, b) {
        var x = a[i], y = b[i];
        if (x.kind === "empty" || y.kind === "empty") return x.kind === "empty" ? 1 : -1;
        if (numeric[i]) return sortDir * (x.number - y.number);
        return sortDir * x.value.localeCompare(y.value, lang === "zh" ? "zh-CN" : "en");
      });
      Array.prototype.forEach.call(head.children, function (th, j) {
        if (j === i) th.setAttribute("aria-sort", sortDir > 0 ? "ascending" : "descending");
        else th.removeAttribute("aria-sort");
      });
      fill();
    }
    fill();
    return table;
  }

  // -- long sections: disclosure controls -------------------------------------------------------------

  /* <button data-toggle-rows="TABLE-ID" aria-expanded="false" aria-controls="TABLE-ID">: shows or hides the
     rows marked .more of the table (the button's text swaps between data-more and data-fewer). */
  function rowToggles() {
    Array.prototype.forEach.call(document.querySelectorAll("button[data-toggle-rows]"), function (b) {
      var table = document.getElementById(b.getAttribute("data-toggle-rows"));
      if (!table) return;
      function set(open) {
        b.setAttribute("aria-expanded", open ? "true" : "false");
        b.textContent = open ? b.getAttribute("data-fewer") : b.getAttribute("data-more");
        table.classList.toggle("rows-collapsed", !open);
      }
      set(false);
      b.hidden = false;
      b.addEventListener("click", function () { set(b.getAttribute("aria-expanded") !== "true"); });
    });
  }

  /* <details data-open-wide> sections start closed on phones and open on wider screens; the one holding the
     target of the URL's #fragment (a cited line) always opens. */
  function wideOpen() {
    var wide = window.matchMedia && window.matchMedia("(min-width: 901px)").matches;
    Array.prototype.forEach.call(document.querySelectorAll("details[data-open-wide]"), function (d) {
      if (wide) d.open = true;
    });
  }

  function openTarget() {
    if (!location.hash || location.hash.length < 2) return;
    var target = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    for (var n = target; n; n = n.parentElement) {
      if (n.tagName === "DETAILS") n.open = true;
      if (n.classList && n.classList.contains("more")) {
        var table = n.closest("table");
        var b = table && document.querySelector("button[data-toggle-rows='" + table.id + "']");
        if (b && b.getAttribute("aria-expanded") !== "true") b.click();
      }
    }
    if (target) target.scrollIntoView({ block: "start" });
  }

  /* Stay on the same paragraph when switching language: carry the #fragment along. */
  function langLinks() {
    var links = document.querySelectorAll("a.lang-link");
    Array.prototype.forEach.call(links, function (a) {
      a.addEventListener("click", function () {
        if (location.hash) a.setAttribute("href", a.getAttribute("href").split("#")[0] + location.hash);
      });
    });
  }

  /* A line anchor inside a paragraph marks its paragraph (for browsers without :has()). */
  function markTarget() {
    Array.prototype.forEach.call(document.querySelectorAll(".para.targeted"), function (p) { p.classList.remove("targeted"); });
    if (!location.hash || location.hash.length < 2) return;
    var target = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    var para = target && target.closest ? target.closest(".para") : null;
    if (para) para.classList.add("targeted");
  }

  document.addEventListener("DOMContentLoaded", function () {
    langLinks();
    rowToggles();
    wideOpen();
    markTarget();
    var mark = document.querySelector("mark.hl");
    if (location.hash) openTarget();
    else if (mark) {
      for (var n = mark; n; n = n.parentElement) if (n.tagName === "DETAILS") n.open = true;
      mark.scrollIntoView({ block: "center" });
    }
    window.addEventListener("hashchange", function () { openTarget(); markTarget(); });
    if (!document.querySelector("script[data-page-script]")) ready();
  });

  window.CKGUI = { config: config, el: el, fmt: fmt, linesLabel: linesLabel, pageFor: pageFor, caseLink: caseLink,
                   request: request, explain: explain, errorBox: errorBox, spinner: spinner, safeHref: safeHref,
                   resultsTable: resultsTable, formatNumber: formatNumber, onSubmit: onSubmit, ready: ready };
})();
