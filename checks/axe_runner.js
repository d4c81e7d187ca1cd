// Runs axe-core on local HTML pages in the system Chromium (puppeteer-core; never downloads a browser).
//
//   node axe_runner.js --chromium /usr/bin/chromium --tags wcag2a,wcag2aa [--width 1280] page.html...
//
// Writes one JSON document to stdout:
//   {"axe_version", "chromium_version", "tags", "pages": [{"path", "url", "violations", "incomplete",
//    "passes", "inapplicable", "blocked_requests", "error"}]}
// Diagnostics go to stderr. Exit 0 when every page was checked (whatever it found), 3 when the
// browser could not start. Called by checks/accessibility.py, which reads the JSON and decides.
'use strict';

const fs = require('fs');
const path = require('path');
const { pathToFileURL } = require('url');
const puppeteer = require('puppeteer-core');

function parseArgs(argv) {
  const opts = { chromium: '/usr/bin/chromium', tags: [], width: 1280, timeout: 60000, pages: [] };
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i];
    if (a === '--chromium') opts.chromium = argv[++i];
    else if (a === '--tags') opts.tags = argv[++i].split(',').filter(Boolean);
    else if (a === '--width') opts.width = Number(argv[++i]);
    else if (a === '--timeout') opts.timeout = Number(argv[++i]);
    else opts.pages.push(a);
  }
  return opts;
}

async function checkPage(browser, axeSource, file, opts) {
  const page = await browser.newPage();
  const blocked = [];
  try {
    await page.setViewport({ width: opts.width, height: 900 });
    // Pages are self-contained (images inline as data: URLs); anything else is refused so the
    // check never touches the network and the result does not depend on it.
    await page.setRequestInterception(true);
    page.on('request', (req) => {
      const url = req.url();
      if (url.startsWith('file:') || url.startsWith('data:') || url.startsWith('blob:')) {
        req.continue();
      } else {
        blocked.push(url);
        req.abort('blockedbyclient');
      }
    });
    const url = pathToFileURL(path.resolve(file)).href;
    await page.goto(url, { waitUntil: 'load', timeout: opts.timeout });
    // Evaluated, not added as a <script> element, so axe does not change the page it checks.
    await page.evaluate(axeSource);
    const result = await page.evaluate(
      (tags) => window.axe.run(document, {
        runOnly: { type: 'tag', values: tags },
        resultTypes: ['violations', 'incomplete'],
      }),
      opts.tags,
    );
    const slim = (r) => ({
      id: r.id,
      impact: r.impact,
      tags: r.tags,
      help: r.help,
      helpUrl: r.helpUrl,
      description: r.description,
      nodes: r.nodes.map((n) => ({
        target: n.target,
        html: n.html,
        impact: n.impact,
        failureSummary: n.failureSummary,
      })),
    });
    return {
      path: file,
      url,
      violations: result.violations.map(slim),
      incomplete: result.incomplete.map(slim),
      // Rules that passed or did not apply (ids only): what the clean bill of health covers.
      passes: result.passes.map((r) => r.id),
      inapplicable: result.inapplicable.map((r) => r.id),
      blocked_requests: blocked,
      error: null,
    };
  } catch (err) {
    return { path: file, violations: [], incomplete: [], passes: [], inapplicable: [],
      blocked_requests: blocked,
      error: String(err && err.message ? err.message : err) };
  } finally {
    await page.close();
  }
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const axePath = require.resolve('axe-core/axe.min.js');
  const axeSource = fs.readFileSync(axePath, 'utf8');
  const axeVersion = require('axe-core/package.json').version;
  let browser;
  try {
    browser = await puppeteer.launch({
      executablePath: opts.chromium,
      headless: true,
      // root in a container: no sandbox; /dev/shm is small in containers.
      args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', '--no-first-run',
        '--disable-extensions', '--disable-background-networking'],
    });
  } catch (err) {
    process.stderr.write(`chromium-launch-failed: ${String(err.message).split("\n")[0]}\n`);
    process.exit(3);
  }
  const out = { axe_version: axeVersion, chromium_version: await browser.version(),
    tags: opts.tags, width: opts.width, pages: [] };
  try {
    for (const file of opts.pages) {
      out.pages.push(await checkPage(browser, axeSource, file, opts));
    }
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(out));
}

main().catch((err) => {
  process.stderr.write(`${err.stack || err}\n`);
  process.exit(4);
});
