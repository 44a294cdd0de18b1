/* climatekg web interface: helpers shared by the pages (no dependencies). */
(function () {
  "use strict";

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
    markTarget();
    window.addEventListener("hashchange", markTarget);
    var mark = document.querySelector("mark.hl");
    if (mark && !location.hash) mark.scrollIntoView({ block: "center" });
  });

  window.CKGUI = { config: config, el: el, fmt: fmt, linesLabel: linesLabel, pageFor: pageFor, caseLink: caseLink,
                   request: request, explain: explain, errorBox: errorBox, spinner: spinner };
})();
