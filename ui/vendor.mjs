// Copy the front-end files the service serves itself into service/static/vendor/ (git-ignored).
//
//   cd ui && npm ci --ignore-scripts && node vendor.mjs
//
// Only what the pages load is copied: CodeMirror 5 (editor core, its SPARQL mode and two
// editing add-ons) and its licence. The SPARQL editor page falls back to a plain <textarea>
// when these files are missing, so the service runs without this step — only without
// syntax highlighting.

import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const modules = join(here, "node_modules");
const target = join(here, "..", "service", "static", "vendor");

const FILES = {
  codemirror: [
    "lib/codemirror.js",
    "lib/codemirror.css",
    "mode/sparql/sparql.js",
    "addon/edit/matchbrackets.js",
    "addon/edit/closebrackets.js",
    "addon/display/placeholder.js",
    "LICENSE",
  ],
};

const manifest = {};
for (const [pkg, files] of Object.entries(FILES)) {
  const src = join(modules, pkg);
  if (!existsSync(join(src, "package.json"))) {
    console.error(`ui/vendor.mjs: ${src} is missing — run 'npm ci --ignore-scripts' in ui/ first`);
    process.exit(1);
  }
  const version = JSON.parse(readFileSync(join(src, "package.json"), "utf8")).version;
  const dest = join(target, pkg);
  rmSync(dest, { recursive: true, force: true });
  for (const file of files) {
    const out = join(dest, file);
    mkdirSync(dirname(out), { recursive: true });
    copyFileSync(join(src, file), out);
  }
  manifest[pkg] = { version, files };
}
mkdirSync(target, { recursive: true });
writeFileSync(join(target, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
console.log(`vendored ${Object.entries(manifest).map(([p, m]) => `${p}@${m.version}`).join(", ")} into ${target}`);
