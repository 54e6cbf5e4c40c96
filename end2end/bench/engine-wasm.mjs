// Times the ratio engine, and a suggested plan, compiled to WASM in headless
// Chromium (`make bench`).
// Usage: node bench/engine-wasm.mjs PKG_DIR [LINES] [RUNS]
// PKG_DIR holds the wasm-bindgen output (--target web) of the `wasm-bench`
// build; the page is served from memory through Playwright's router, so no
// server or network is involved.
import { chromium } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const [pkgDir, lines = '100000', runs = '30'] = process.argv.slice(2);
if (!pkgDir) {
  console.error('usage: node bench/engine-wasm.mjs PKG_DIR [LINES] [RUNS]');
  process.exit(2);
}

const origin = 'http://bench.invalid';
// The client's pages are split points (lazy routes) that only cargo-leptos's
// split build links; the benchmark never opens a page, so their loaders
// import from a stand-in module that refuses to load them.
const wasmBytes = readFileSync(join(pkgDir, 'prudentia_bg.wasm'));
const splitImports = WebAssembly.Module.imports(new WebAssembly.Module(wasmBytes))
  .filter((i) => i.module === '__wasm_split_placeholder__')
  .map((i) => i.name);
const splitStandIn = [...new Set(splitImports)]
  .map((name) => `export function ${name}() { throw new Error('no page is loaded by the benchmark'); }`)
  .join('\n');
const page_html = `<!doctype html><meta charset="utf-8"><title>engine bench</title>
<script type="importmap">{"imports": {"__wasm_split_placeholder__": "./split-stand-in.js"}}</script>
<script type="module">
  import init, { engine_benchmark, suggest_benchmark, load_benchmark } from './prudentia.js';
  await init();
  window.loadResult = JSON.parse(load_benchmark(${Number(lines)}, 5));
  window.suggestResult = JSON.parse(suggest_benchmark(${Number(lines)}, 5));
  window.benchResult = JSON.parse(engine_benchmark(${Number(lines)}, ${Number(runs)}));
</script>`;
const types = { '.js': 'text/javascript', '.wasm': 'application/wasm' };

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu'],
});
try {
  const page = await browser.newPage();
  await page.route(`${origin}/**`, (route) => {
    const path = new URL(route.request().url()).pathname;
    if (path === '/' || path === '/index.html') {
      return route.fulfill({ contentType: 'text/html', body: page_html });
    }
    if (path === '/split-stand-in.js') {
      return route.fulfill({ contentType: 'text/javascript', body: splitStandIn });
    }
    const file = join(pkgDir, path.replace(/^\//, ''));
    const ext = path.slice(path.lastIndexOf('.'));
    return route.fulfill({ contentType: types[ext] ?? 'application/octet-stream', body: readFileSync(file) });
  });
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(`${origin}/`);
  await page.waitForFunction(() => window.benchResult !== undefined, null, { timeout: 300_000 });
  const result = await page.evaluate(() => window.benchResult);
  const version = browser.version();
  console.log(`engine in WASM, Chromium ${version}: ${result.lines} lines, median ${result.median_ms.toFixed(2)} ms ` +
    `(min ${result.min_ms.toFixed(2)}, max ${result.max_ms.toFixed(2)}, ${result.runs} runs), ` +
    `${(result.lines_per_second / 1e6).toFixed(1)} M lines/s; compiling the lines ${result.compile_ms.toFixed(1)} ms`);
  console.log(JSON.stringify(result));
  const plan = await page.evaluate(() => window.suggestResult);
  console.log(`suggestions in WASM: ${plan.lines} lines, ${plan.actions} actions, a plan in median ${plan.median_ms.toFixed(0)} ms ` +
    `(min ${plan.min_ms.toFixed(0)}, max ${plan.max_ms.toFixed(0)}, ${plan.runs} runs), ${plan.rounds} round(s)`);
  const load = await page.evaluate(() => window.loadResult);
  console.log(`a dashboard's load in WASM: ${load.lines} lines in ${(load.bytes / 1e6).toFixed(1)} MB by columns: decoding ` +
    `${load.decode_ms.toFixed(0)} ms, copying the data set ${load.copy_ms.toFixed(0)} ms, building the what-if engine ` +
    `${load.engine_ms.toFixed(0)} ms (medians of 5); with field names: ${(load.named_bytes / 1e6).toFixed(1)} MB, ` +
    `decoding ${load.named_decode_ms.toFixed(0)} ms`);
} finally {
  await browser.close();
}
