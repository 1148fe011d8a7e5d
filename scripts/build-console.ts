/**
 * Bundles the agent console (console/) into console/dist with esbuild: one minified script and
 * one stylesheet, content-hashed under dist/assets/, and dist/index.html naming them. Runs on
 * `npm install` (postinstall) and before `npm start`; nothing is fetched at run time.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { build } from 'esbuild';

const root = path.resolve(import.meta.dirname, '..', 'console');
const dist = path.join(root, 'dist');

await rm(dist, { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: ['src/main.tsx'],
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  outdir: dist,
  entryNames: 'assets/[name]-[hash]',
  assetNames: 'assets/[name]-[hash]',
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
});

const outputs = Object.entries(result.metafile.outputs);
const find = (ext: string) => {
  const found = outputs.find(([file]) => file.endsWith(ext));
  if (!found) throw new Error(`esbuild wrote no ${ext} file`);
  return { url: `/console/${path.relative(dist, path.resolve(root, found[0]))}`, bytes: found[1].bytes };
};
const script = find('.js');
const styles = find('.css');
const template = await readFile(path.join(root, 'index.html'), 'utf8');
const html = template
  .replace('<!-- styles -->', `<link rel="stylesheet" href="${styles.url}">`)
  .replace('<!-- script -->', `<script type="module" src="${script.url}"></script>`);
await mkdir(dist, { recursive: true });
await writeFile(path.join(dist, 'index.html'), html);
if (!process.argv.includes('--quiet')) {
  console.log(`console/dist: ${script.url} ${(script.bytes / 1024).toFixed(1)} KiB, ${styles.url} ${(styles.bytes / 1024).toFixed(1)} KiB`);
}
