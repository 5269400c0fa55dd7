// Bundles the pack page's viewers (bpmn-js, dmn-js, form-js) and their styles and fonts into
// webapp/static/dist/ — offline, from node_modules. Run: npm ci --no-audit --no-fund && node build.mjs
// The editors are separate entry points, each loaded only by the page that needs it: bpmn-editor
// (bpmn-js Modeler, properties panel, token simulation), dmn-editor, form-editor, bpmn-diff, and
// editor-page (the editor page's save bar).

import { build } from 'esbuild';
import { rm } from 'node:fs/promises';

const outdir = 'webapp/static/dist';
const dev = process.argv.includes('--dev');

await rm(outdir, { recursive: true, force: true });

await build({
  entryPoints: {
    viewer: 'webapp/static/src/viewer.js',
    'bpmn-editor': 'webapp/static/src/bpmn-editor.js',
    'dmn-editor': 'webapp/static/src/dmn-editor.js',
    'form-editor': 'webapp/static/src/form-editor.js',
    'bpmn-diff': 'webapp/static/src/bpmn-diff.js',
    'editor-page': 'webapp/static/src/editor-page.js'
  },
  outdir,
  bundle: true,
  format: 'iife',
  target: [ 'es2020', 'chrome100', 'firefox100', 'safari15' ],
  minify: !dev,
  sourcemap: 'linked',
  legalComments: 'linked',
  logLevel: 'info',
  loader: {
    '.woff': 'file',
    '.woff2': 'file',
    '.eot': 'file',
    '.ttf': 'file',
    '.svg': 'file'
  },
  assetNames: 'assets/[name]-[hash]',
  define: { 'process.env.NODE_ENV': dev ? '"development"' : '"production"' }
});
