// helpers.mjs: what the node end-to-end tests share: the braid binary,
// throwaway repositories with braid set up, and small assertions. Not a
// test itself (ctest only runs tests/e2e/*.mjs).
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const BRAID = process.env.BRAID || path.resolve('build-asan/braid');

export function run(cmd, args, opts = {}) {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...opts });
}

export function braid(args, opts = {}) {
  return run(BRAID, args, opts);
}

export function braidJson(args, opts = {}) {
  return JSON.parse(braid([...args, '--json'], opts));
}

// A repository with braid set up and one workspace per agent name.
export function makeRepo(agents = ['alice', 'bob']) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'braid-e2e-'));
  const root = path.join(dir, 'repo');
  fs.mkdirSync(root);
  const git = (...a) => run('git', a, { cwd: root });
  git('init', '-q', '-b', 'main');
  git('config', 'user.email', 't@example.com');
  git('config', 'user.name', 'test');
  fs.writeFileSync(path.join(root, 'a.txt'), 'one\ntwo\nthree\n');
  fs.writeFileSync(path.join(root, 'b.txt'), 'alpha\nbeta\n');
  git('add', '.');
  git('commit', '-qm', 'init');
  braid(['init'], { cwd: root });
  const tokens = {};
  const ws = {};
  for (const a of agents) {
    tokens[a] = braidJson(['agent', 'add', a], { cwd: root }).token;
    ws[a] = braidJson(['ws', 'new', a], { cwd: root }).path;
  }
  return {
    dir, root, tokens, ws,
    cleanup() { fs.rmSync(dir, { recursive: true, force: true }); },
  };
}

export function assert(cond, msg) {
  if (!cond) throw new Error('assertion failed: ' + msg);
}

export function assertEq(a, b, msg) {
  if (JSON.stringify(a) !== JSON.stringify(b))
    throw new Error(`assertion failed: ${msg}: got ${JSON.stringify(a)}, expected ${JSON.stringify(b)}`);
}

// Run `fn`, failing the test after `ms` (every test must end in < 60 s).
export async function withTimeout(ms, fn) {
  let timer;
  const t = new Promise((_, rej) => { timer = setTimeout(() => rej(new Error(`timed out after ${ms} ms`)), ms); });
  try { return await Promise.race([fn(), t]); } finally { clearTimeout(timer); }
}

export function sleep(ms) { return new Promise((r) => setTimeout(r, ms)); }

// Start `braid serve` on a free loopback port; resolves with {url, proc, stop()}.
export async function startServer(root, extra = []) {
  const proc = spawn(BRAID, ['serve', '--listen', '127.0.0.1:0', ...extra], {
    cwd: root, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '', err = '';
  proc.stderr.on('data', (d) => { err += d; });
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('braid serve did not start: ' + err)), 15000);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/[^\s]+)/);
      if (m) { clearTimeout(timer); resolve(m[1].replace(/\/$/, '')); }
    });
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`braid serve exited ${code}: ${err}`)); });
  });
  return {
    url, proc,
    stderr: () => err,
    async stop() {
      if (proc.exitCode !== null) return proc.exitCode;
      proc.kill('SIGTERM');
      return await new Promise((r) => proc.on('exit', (code, sig) => r(code ?? sig)));
    },
  };
}
