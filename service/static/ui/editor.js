/* The SPARQL editor page: CodeMirror 5 (when vendored) or a plain text area, run against /sparql.
   Loaded with `defer` after the CodeMirror bundle; ui.js holds a submit made before this has run. */
(function () {
  "use strict";
  var U = window.CKGUI;
  var el = U.el;
  var cfg = U.config();
  var S = cfg.strings;
  var ACCEPT = "application/sparql-results+json, text/turtle;q=0.9, application/n-triples;q=0.8, */*;q=0.1";
  var MAX_SHOWN = 2000;

  var textarea, cm = null, status, resultsSec, output, count, runButton, errorLine = null, running = false;

  function getQuery() { return cm ? cm.getValue() : textarea.value; }
  function setQuery(q) {
    if (cm) { cm.setValue(q); cm.focus(); cm.setCursor(cm.lineCount(), 0); }
    else { textarea.value = q; textarea.focus(); }
  }

  function clearErrorLine() {
    if (cm && errorLine !== null) { cm.removeLineClass(errorLine, "background", "cm-error-line"); }
    errorLine = null;
  }

  function markError(message, detail) {
    if (!cm) return;
    var line = null;
    if (detail && typeof detail.line === "number") line = detail.line;
    else {
      var m = /line[^0-9]{0,3}(\d+)/i.exec(message || "") || /(\d+):\d+/.exec(message || "");
      if (m) line = parseInt(m[1], 10);
    }
    if (line && line >= 1 && line <= cm.lineCount()) {
      errorLine = line - 1;
      cm.addLineClass(errorLine, "background", "cm-error-line");
    }
  }

  function curie(iri) {
    var best = null;
    (cfg.prefixes || []).forEach(function (p) {
      if (iri.indexOf(p[1]) === 0 && iri.length > p[1].length && (!best || p[1].length > best[1].length)) best = p;
    });
    return best ? best[0] + ":" + iri.slice(best[1].length) : iri;
  }

  function showStatus(node) {
    status.textContent = "";
    if (node) status.appendChild(node);
  }

  function render(res, seconds) {
    output.textContent = "";
    count.textContent = "";
    resultsSec.hidden = false;
    var body = res.body;
    if (body && typeof body === "object" && "boolean" in body) {
      output.appendChild(el("p", { class: "notice ask-result" }, body.boolean ? S.ask_true : S.ask_false));
      return;
    }
    if (body && typeof body === "object" && body.head && body.results) {
      var vars = body.head.vars || [];
      var bindings = body.results.bindings || [];
      count.textContent = "(" + U.fmt(S.n_rows, { n: bindings.length, s: seconds.toFixed(2) }) + ")";
      if (!bindings.length) {
        output.appendChild(el("p", { class: "notice warn no-rows" }, S.no_rows));
        return;
      }
      var table = U.resultsTable(vars, bindings, { cfg: cfg, id: "results-table", max: MAX_SHOWN, curie: curie,
                                                  tags: true });
      output.appendChild(table);
      if (bindings.length > MAX_SHOWN || (res.headers && res.headers.get("X-Result-Truncated") === "true"))
        output.appendChild(el("p", { class: "note" }, S.truncated));
      return;
    }
    // CONSTRUCT / DESCRIBE: RDF text
    count.textContent = "(" + seconds.toFixed(2) + " s)";
    output.appendChild(el("pre", { class: "sparql rdf-output", text: typeof body === "string" ? body : JSON.stringify(body, null, 2) }));
  }

  function renderError(res) {
    var info = U.explain(S, res);
    var e = (res.body && res.body.error) || {};
    if (res.status === 400 && /syntax|parse/i.test((e.code || "") + " " + (e.message || ""))) info.title = S.err_syntax;
    else if (res.status === 400 && !info.code) info.title = S.err_syntax;
    if (res.status === 403) info.title = S.err_forbidden;
    var box = U.errorBox(info, "sparql-error");
    var extra = {};
    Object.keys(e.detail || {}).forEach(function (k) {
      if (["line", "column", "reason", "parameter"].indexOf(k) < 0) extra[k] = e.detail[k];
    });
    if (Object.keys(extra).length) box.appendChild(el("pre", { class: "detail", text: JSON.stringify(extra, null, 2) }));
    showStatus(box);
    if (res.status === 400) markError(e.message, e.detail);
  }

  function run() {
    if (running) return;
    var query = getQuery();
    clearErrorLine();
    if (!query.trim()) { showStatus(el("p", { class: "notice warn" }, S.query_empty)); return; }
    running = true;
    runButton.disabled = true;
    resultsSec.setAttribute("aria-busy", "true");
    showStatus(el("p", { class: "note" }, U.spinner(S.running)));
    try { history.replaceState(null, "", location.pathname + "?query=" + encodeURIComponent(query)); } catch (e) { /* too long */ }
    var t0 = performance.now();
    U.request(cfg.endpoint, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded;charset=UTF-8", Accept: ACCEPT },
      body: new URLSearchParams({ query: query }).toString(),
    }).then(function (res) {
      var seconds = (performance.now() - t0) / 1000;
      if (res.ok) { showStatus(null); render(res, seconds); }
      else { resultsSec.hidden = true; renderError(res); }
    }).finally(function () {
      running = false;
      runButton.disabled = false;
      resultsSec.removeAttribute("aria-busy");
    });
  }

  // the table as a spreadsheet: /api/sparql/download runs the query as /sparql does and writes CSV (text that
  // looks like a formula is neutralised) or XLSX (number cells, frozen header)
  function download(fmt) {
    var query = getQuery();
    if (!query.trim()) { showStatus(el("p", { class: "notice warn" }, S.query_empty)); return; }
    showStatus(el("p", { class: "note" }, U.spinner(S.running)));
    fetch("/api/sparql/download", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded;charset=UTF-8" },
      body: new URLSearchParams({ query: query, format: fmt }).toString(),
    }).then(function (resp) {
      if (!resp.ok) {
        return resp.json().catch(function () { return null; }).then(function (body) {
          renderError({ ok: false, status: resp.status, body: body });
        });
      }
      return resp.blob().then(function (blob) {
        showStatus(null);
        // a blob: URL we made ourselves — set directly, as el() only links data to http(s) and our own paths
        var a = el("a", { download: "climatekg-results." + fmt });
        a.href = URL.createObjectURL(blob);
        document.body.appendChild(a);
        a.click();
        setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
      });
    }, function () { showStatus(U.errorBox(U.explain(S, { status: 0 }))); });
  }

  function insertPrefixes() {
    var query = getQuery();
    var lines = [];
    (cfg.prefixes || []).forEach(function (p) {
      var re = new RegExp("PREFIX\\s+" + p[0] + "\\s*:", "i");
      if (!re.test(query)) lines.push("PREFIX " + p[0] + ": <" + p[1] + ">");
    });
    if (lines.length) setQuery(lines.join("\n") + "\n" + query);
  }

  document.addEventListener("DOMContentLoaded", function () {
    textarea = document.getElementById("query");
    status = document.getElementById("sparql-status");
    resultsSec = document.getElementById("sparql-results");
    output = document.getElementById("sparql-output");
    count = document.getElementById("sparql-count");
    runButton = document.getElementById("run");

    if (window.CodeMirror) {
      cm = window.CodeMirror.fromTextArea(textarea, {
        mode: "application/sparql-query", lineNumbers: true, matchBrackets: true, autoCloseBrackets: true,
        indentUnit: 2, tabSize: 2, lineWrapping: true, inputStyle: "contenteditable",
        screenReaderLabel: S.query_label,
        extraKeys: { "Ctrl-Enter": run, "Cmd-Enter": run, Tab: false, "Shift-Tab": false },
      });
      cm.on("change", clearErrorLine);
      window.ckgEditor = cm; // for tests and the console
      // the <label for="query"> focuses the editor
      var lab = document.querySelector("label[for='query']");
      if (lab) lab.addEventListener("click", function () { cm.focus(); });
    } else {
      document.getElementById("editor-plain").hidden = false;
      textarea.addEventListener("keydown", function (ev) {
        if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); run(); }
      });
    }
    U.onSubmit("sparql-form", run);
    document.getElementById("insert-prefixes").addEventListener("click", insertPrefixes);
    document.getElementById("download-csv").addEventListener("click", function () { download("csv"); });
    document.getElementById("download-xlsx").addEventListener("click", function () { download("xlsx"); });
    Array.prototype.forEach.call(document.querySelectorAll("button.example"), function (b) {
      b.addEventListener("click", function () {
        var id = b.getAttribute("data-example");
        var ex = (cfg.examples || []).filter(function (e) { return e.id === id; })[0];
        if (ex) { setQuery(ex.query); run(); }
      });
    });
    U.ready();
  });
})();
