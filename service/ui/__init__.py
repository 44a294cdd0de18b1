"""The bilingual web interface: ask & search, case and entity pages, a SPARQL editor, the API page.

    GET /                         ask a question or search (the page's script calls /api/ask and /api/search)
    GET /cases                    the 26 cases by section
    GET /cases/<case_id>          a case: titles, company and summary in both languages, the Chinese text by
                                  part with line anchors (id="L<line>"), outcomes, linked entities, similar
                                  cases, a picture of its neighbourhood in the graph and a bar chart comparing
                                  one of its outcomes with the other cases that report the same indicator;
                                  ``?hl=<quote>`` marks a quoted sentence
    GET /entities/<kind>/<id>     an organisation, technology, place, award or standard: labels, cases, outcomes
    GET /sparql/editor            a SPARQL editor (CodeMirror, when vendored) against /sparql; ``?query=`` pre-fills it
    GET /api                      the HTTP API, rendered from /openapi.json
    GET /ui/facets.json           per case, the filter values /api/search accepts (the search page's facets)
    GET /assets/<name>            scripts, styles and the icon under content-hashed names (cached for a year)

One module per concern:

    i18n.py      language choice, the strings (strings.toml) and examples (examples.toml), number formats
    links.py     our IRIs → our pages, quotes → lines, and ``safe_href`` (only http/https links from data)
    queries.py   what the pages read — the case and its outcomes from ``api_cases``, entities from the graph
    svg.py       the neighbourhood picture and the comparison chart, drawn server-side
    assets.py    hashed static files, gzip for every text response, the favicon
    pages.py     the blueprint: routes, the HTML 404 for browsers, and the case page's pieces

All scripts and styles are served by the service itself (``service/static``; CodeMirror is bundled and
minified into ``service/static/vendor`` by ``ui/vendor.mjs``; the editor falls back to a plain text area
without it).
"""

from __future__ import annotations

from .assets import OPENAPI_PATHS
from .i18n import EXAMPLES, STRINGS, TRY_QUESTIONS, load_data
from .links import editor_link, safe_href
from .pages import PAGES, bp, find_quote

#: what /openapi.json lists for this blueprint (service/openapi.py reads them from the registered blueprint)
bp.pages = PAGES
bp.openapi_paths = OPENAPI_PATHS

__all__ = ["bp", "PAGES", "OPENAPI_PATHS", "STRINGS", "EXAMPLES", "TRY_QUESTIONS", "editor_link", "find_quote", "load_data",
           "safe_href"]
