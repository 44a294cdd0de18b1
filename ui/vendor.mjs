// Build the front-end files the service serves itself into service/static/vendor/ (git-ignored).
//
//   cd ui && npm ci --ignore-scripts && node vendor.mjs
//
// Only what the pages load: CodeMirror 5 — the editor core, its SPARQL mode and two editing add-ons —
// concatenated in load order and minified with terser into one script (vendor/codemirror/editor.min.js),
// its style sheet with comments and spacing removed (editor.min.css), and its licence. The service names
// them by a digest of their content and lets browsers cache them for a year. The SPARQL editor page falls
// back to a plain <textarea> when these files are missing, so the service runs without this step — only
// without syntax highlighting.

import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { minify } from "terser";

const here = dirname(fileURLToPath(import.meta.url));
const modules = join(here, "node_modules");
const target = join(here, "..", "service", "static", "vendor");

const CODEMIRROR = {
  scripts: ["lib/codemirror.js", "mode/sparql/sparql.js", "addon/edit/matchbrackets.js", "addon/edit/closebrackets.js"],
  styles: ["lib/codemirror.css"],
};

function need(pkg) {
  const src = join(modules, pkg);
  if (!existsSync(join(src, "package.json"))) {
    console.error(`ui/vendor.mjs: ${src} is missing — run 'npm ci --ignore-scripts' in ui/ first`);
    process.exit(1);
  }
  return { src, version: JSON.parse(readFileSync(join(src, "package.json"), "utf8")).version };
}

/** Comments and spacing out of a plain style sheet (CodeMirror's has no strings that contain them). */
function minifyCss(css) {
  return css
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/\s+/g, " ")
    .replace(/\s*([{}:;,>])\s*/g, "$1")
    .replace(/;}/g, "}")
    .trim() + "\n";
}

const { src, version } = need("codemirror");
const dest = join(target, "codemirror");
rmSync(dest, { recursive: true, force: true });
mkdirSync(dest, { recursive: true });

const sources = Object.fromEntries(CODEMIRROR.scripts.map((f) => [f, readFileSync(join(src, f), "utf8")]));
const banner = `/* CodeMirror ${version} (${CODEMIRROR.scripts.join(", ")}) — MIT licence: LICENSE */`;
const js = await minify(sources, { compress: { passes: 2 }, mangle: true, format: { preamble: banner }, ecma: 5 });
writeFileSync(join(dest, "editor.min.js"), js.code + "\n");
const css = CODEMIRROR.styles.map((f) => readFileSync(join(src, f), "utf8")).join("\n");
writeFileSync(join(dest, "editor.min.css"), `/* CodeMirror ${version} — MIT licence */\n` + minifyCss(css));
writeFileSync(join(dest, "LICENSE"), readFileSync(join(src, "LICENSE")));

const size = (f) => readFileSync(join(dest, f)).length;
const unminified = CODEMIRROR.scripts.reduce((n, f) => n + sources[f].length, 0);
const manifest = {
  codemirror: { version, scripts: CODEMIRROR.scripts, styles: CODEMIRROR.styles,
                files: { "editor.min.js": size("editor.min.js"), "editor.min.css": size("editor.min.css") },
                unminified_script_bytes: unminified },
};
writeFileSync(join(target, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
console.log(`vendored codemirror@${version} into ${dest}: editor.min.js ${size("editor.min.js")} B ` +
            `(from ${unminified} B), editor.min.css ${size("editor.min.css")} B`);
