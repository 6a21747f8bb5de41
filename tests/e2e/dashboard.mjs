// dashboard.mjs: the live dashboard served by `braid serve`, in headless
// Chromium driven by playwright-core: the page loads with the viewer token
// from the URL fragment (which it then drops from the address bar), shows
// the agents and workspaces, updates live when a CLI process lands a
// submission (no reload), and a token typed into the form works while a
// wrong one is refused.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { braid, makeRepo, startServer, assert, assertEq, withTimeout } from './lib/helpers.mjs';

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

async function main(repo) {
  const server = await startServer(repo.root);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'braid-chromium-'));
  // a fresh profile (--user-data-dir) each run
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const viewer = fs.readFileSync(path.join(repo.root, '.braid/tokens/viewer'), 'utf8').trim();
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });

    await page.goto(`${server.url}/#token=${viewer}`);
    await page.waitForSelector('#agents li[data-agent="alice"]', { timeout: 15000 });
    await page.waitForSelector('#agents li[data-agent="bob"]');
    assert(!page.url().includes('token='), 'the token leaves the address bar: ' + page.url());
    await page.waitForSelector('#workspaces tr[data-workspace="alice"]');
    assertEq(await page.textContent('#landed'), '0', 'nothing landed yet');
    await page.waitForFunction(() => document.getElementById('conn').textContent === 'live');

    // a CLI process lands a submission: the page updates without reloading
    fs.writeFileSync(path.join(repo.ws.alice, 'a.txt'), 'one\ntwo from alice\nthree\n');
    braid(['submit', '-m', 'alice edits'], { cwd: repo.ws.alice });
    await page.waitForFunction(() => document.getElementById('landed').textContent === '1', null, { timeout: 10000 });
    await page.waitForSelector('#feed li.landed', { timeout: 10000 });
    const line = await page.textContent('#feed li.landed');
    assert(line.includes('alice landed submission #1'), 'feed line: ' + line);
    await page.waitForSelector('#workspaces tr[data-workspace="bob"] .tag.behind', { timeout: 10000 });

    // a conflict shows up in the conflicts table
    fs.writeFileSync(path.join(repo.ws.bob, 'a.txt'), 'one\ntwo from bob\nthree\n');
    try { braid(['submit'], { cwd: repo.ws.bob }); } catch (_) { /* exit 1: conflicted */ }
    await page.waitForSelector('#conflicts tr[data-conflict]', { timeout: 10000 });
    await page.waitForSelector('#feed li.conflicted');
    assertEq(await page.textContent('#open-conflicts'), '1', 'one open conflict');

    // a lock appears in the locks table
    braid(['intent', 'b.txt', '--level', 'L3', '--activity', 'renaming beta'], { cwd: repo.ws.alice });
    await page.waitForFunction(() => document.querySelector('#locks tbody')?.textContent.includes('b.txt'), null, { timeout: 10000 });

    // no token: the form; a wrong token is refused; a typed agent token works
    const p2 = await browser.newPage(); // a new tab: its sessionStorage is empty
    await p2.goto(server.url + '/');
    await p2.waitForSelector('#login:not([hidden])');
    await p2.fill('#token', 'bt_not_a_real_token');
    await p2.click('#login-form button');
    await p2.waitForFunction(() => document.getElementById('login-error').textContent.includes('not accepted'));
    await p2.fill('#token', repo.tokens.bob);
    await p2.click('#login-form button');
    await p2.waitForSelector('#agents li[data-agent="alice"]', { timeout: 10000 });
    await p2.close();

    assertEq(errors, [], 'no page errors');
  } finally {
    await browser.close();
    fs.rmSync(profile, { recursive: true, force: true });
    const code = await server.stop();
    assertEq(code, 0, 'braid serve exits 0');
  }
}

const repo = makeRepo(['alice', 'bob']);
try {
  await withTimeout(55000, () => main(repo));
  console.log('dashboard: ok');
} finally {
  repo.cleanup();
}
