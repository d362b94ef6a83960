// Node-RED looks for <node>.html, locales/ and icons/ beside each compiled node file,
// so the build copies them next to dist/nodes/*.js. resources/ (the editor script the .html files share) stays at the
// package root: Node-RED serves a module's own resources/ folder at resources/<module>/, and package.json "files" packs it.
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const out = path.join(root, 'dist', 'nodes');
fs.mkdirSync(out, { recursive: true });

for (const file of fs.readdirSync(path.join(root, 'src', 'nodes'))) {
  if (file.endsWith('.html')) fs.copyFileSync(path.join(root, 'src', 'nodes', file), path.join(out, file));
}
for (const dir of ['locales', 'icons']) {
  const from = path.join(root, dir);
  if (fs.existsSync(from)) fs.cpSync(from, path.join(out, dir), { recursive: true });
}
