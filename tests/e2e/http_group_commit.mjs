// http_group_commit.mjs: `braid serve`'s group committer under many
// concurrent clients. 40 agents on keep-alive connections declare and
// release intents as fast as they can for a few seconds: half of them all
// want one shared file at L4 (exactly one may hold it at a time: a holder
// checks a shared "inside" counter while it holds, as a counter file
// would), the other half each want their own file (always granted), and
// one more agent asks for the shared file with "wait" (the one-by-one path:
// its place in line keeps the batched requests from overtaking it). No
// grant is given twice, every request is answered (200 or 423, nothing
// else), fencing tokens are never reused, every grant and release is in
// the op log, nothing is left held, and the committer really batched
// (BRAID_SERVE_STATS: the calls it ran equal the requests sent).
import { braid, makeRepo, startServer, assert, assertEq, withTimeout, sleep } from './lib/helpers.mjs';
import { spawn } from 'node:child_process';

const AGENTS = 40;
const SECS = 3;

const repo = makeRepo(['a0']);
try {
  await withTimeout(100000, async () => {
    const tokens = { a0: repo.tokens.a0 };
    for (let i = 1; i <= AGENTS; i++)
      tokens['a' + i] = JSON.parse(braid(['agent', 'add', 'a' + i, '--json'], { cwd: repo.root })).token;

    process.env.BRAID_SERVE_STATS = '1';
    const srv = await startServer(repo.root);
    delete process.env.BRAID_SERVE_STATS;

    const post = async (tok, path, body) => {
      const r = await fetch(srv.url + path, {
        method: 'POST',
        headers: { Authorization: 'Bearer ' + tok, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: r.status, body: await r.json() };
    };

    let inside = 0, sent = 0, grants = 0, releases = 0, denied = 0, doubles = 0, waited = 0;
    const bad = [];
    const seenTokens = new Set();
    const until = Date.now() + SECS * 1000;

    const agent = async (i) => {
      const tok = tokens['a' + i];
      const waiter = i === AGENTS;
      const shared = i % 2 === 0 || waiter;
      const target = shared ? 'a.txt' : `own/f${i}.c`;
      while (Date.now() < until) {
        if (!waiter) sent++; /* a declaration that waits is not for the committer */
        const d = await post(tok, '/v1/intents',
          waiter ? { targets: [target], level: 'L4', wait: 20 } : { targets: [target], level: 'L4' });
        if (d.status === 423) {
          denied++;
          if (!shared) bad.push(`a${i}: own file refused: ${JSON.stringify(d.body)}`);
          continue;
        }
        if (d.status !== 200) { bad.push(`a${i}: declare gave ${d.status}: ${JSON.stringify(d.body)}`); continue; }
        grants++;
        if (waiter) waited++;
        const t = d.body.token;
        if (seenTokens.has(t)) bad.push(`token ${t} granted twice`);
        seenTokens.add(t);
        if (shared) {
          if (inside !== 0) doubles++;
          inside++;
          await sleep(1 + (i % 3));
          if (inside !== 1) doubles++;
          inside--;
        }
        sent++;
        const r = await post(tok, '/v1/intents/release', { token: t });
        if (r.status !== 200 || r.body.released !== 1)
          bad.push(`a${i}: release gave ${r.status}: ${JSON.stringify(r.body)}`);
        else releases++;
      }
    };
    await Promise.all(Array.from({ length: AGENTS + 1 }, (_, i) => agent(i)));

    assertEq(bad.slice(0, 5), [], 'every request answered as expected');
    assertEq(doubles, 0, 'never two holders of the shared file');
    assert(grants > AGENTS, `some grants (${grants})`);
    assert(denied > 0, 'the shared file was contended');
    assert(waited > 0, 'the waiting agent got the shared file in its turn');
    assertEq(releases, grants, 'every grant released');

    // Nothing left held; every grant and release is an op.
    const locks = await (await fetch(srv.url + '/v1/locks', { headers: { Authorization: 'Bearer ' + tokens.a0 } })).json();
    assertEq(locks.held.length, 0, 'nothing held at the end');
    const ops = async (kind) => (await (await fetch(srv.url + `/v1/ops?kind=${kind}&limit=0`, {
      headers: { Authorization: 'Bearer ' + tokens.a0 },
    })).json()).ops.length;
    assertEq(await ops('intent.grant'), grants, 'one intent.grant op per grant');
    assertEq(await ops('intent.release'), releases, 'one intent.release op per release');

    const code = await srv.stop();
    assertEq(code, 0, 'clean shutdown');
    const m = srv.stderr().match(/group commit: (\d+) calls in (\d+) batches \(largest (\d+)\)/);
    assert(m, 'committer stats printed: ' + srv.stderr());
    assertEq(Number(m[1]), sent, 'the committer ran every request sent (none lost, none extra)');
    assert(Number(m[3]) >= 2, `requests were grouped (largest batch ${m[3]})`);
    console.log(`ok: ${sent} batchable requests, ${grants} grants (${waited} after waiting), ${denied} refusals; ${m[1]} calls in ${m[2]} batches, largest ${m[3]}`);
  });
} finally {
  repo.cleanup();
}
