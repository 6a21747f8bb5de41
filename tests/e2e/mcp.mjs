// mcp.mjs: drives `braid mcp` with the official MCP TypeScript SDK client
// (StdioClientTransport): initialize, list tools, submit (landed, then a
// conflict), lock tools when present, tool errors that say what to do
// next, unknown tools; then raw protocol abuse (malformed JSON, oversize
// line, batches) on a bare pipe.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BRAID, makeRepo, assert, assertEq, withTimeout } from './lib/helpers.mjs';

async function connect(cwd, args = []) {
  const transport = new StdioClientTransport({ command: BRAID, args: ['mcp', ...args], cwd, stderr: 'pipe' });
  const client = new Client({ name: 'braid-e2e', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

function text(res) {
  return res.content.filter((c) => c.type === 'text').map((c) => c.text).join('\n');
}

async function sdkSession(repo) {
  const alice = await connect(repo.ws.alice);
  assertEq(alice.getServerVersion().name, 'braid', 'server name');
  assert(alice.getServerCapabilities().tools, 'tools capability');
  assert(alice.getInstructions().includes('submit'), 'instructions mention submit');

  const { tools } = await alice.listTools();
  const names = tools.map((t) => t.name);
  for (const want of ['status', 'submit', 'update', 'conflicts_list', 'conflict_show', 'resolve', 'op_log', 'queue'])
    assert(names.includes(want), `tool ${want} listed (got ${names})`);
  assert(!names.includes('agent_add'), 'administration is not an MCP tool');
  for (const t of tools) {
    assertEq(t.inputSchema.type, 'object', `${t.name} schema type`);
    assert(t.description.length > 10, `${t.name} has a description`);
  }
  assertEq(tools.find((t) => t.name === 'status').annotations.readOnlyHint, true, 'status is read-only');
  assertEq(tools.find((t) => t.name === 'submit').annotations.readOnlyHint, false, 'submit writes');

  const st = await alice.callTool({ name: 'status', arguments: {} });
  assert(!st.isError, 'status ok');
  assertEq(st.structuredContent.agent, 'alice', 'acting agent from the workspace');
  assertEq(st.structuredContent.workspace, 'alice', 'workspace');

  // submit lands
  fs.writeFileSync(path.join(repo.ws.alice, 'a.txt'), 'one\ntwo alice\nthree\n');
  const sub = await alice.callTool({ name: 'submit', arguments: { message: 'alice edits line 2' } });
  assert(!sub.isError, 'submit ok: ' + text(sub));
  assertEq(sub.structuredContent.state, 'landed', 'landed');
  assert(text(sub).includes('landed submission'), 'text says landed');

  // bob, through his own server started at the root with --agent, conflicts
  const bob = await connect(repo.root, ['--agent', 'bob']);
  fs.writeFileSync(path.join(repo.ws.bob, 'a.txt'), 'one\ntwo bob\nthree\n');
  const sub2 = await bob.callTool({ name: 'submit', arguments: {} });
  assert(!sub2.isError, 'a conflict is an outcome, not an error');
  assertEq(sub2.structuredContent.state, 'conflicted', 'conflicted');
  const cid = sub2.structuredContent.conflict;
  assert(text(sub2).includes(`conflict_show ${cid}`), 'text names the next step');
  const show = await bob.callTool({ name: 'conflict_show', arguments: { id: cid } });
  assertEq(show.structuredContent.files[0].content.submitted, 'one\ntwo bob\nthree\n', 'submitted side');
  const res = await bob.callTool({ name: 'resolve', arguments: { id: cid } });
  assert(!res.isError, 'resolve ok: ' + text(res));
  assertEq(res.structuredContent.files_with_markers, ['a.txt'], 'markers written');
  fs.writeFileSync(path.join(repo.ws.bob, 'a.txt'), 'one\ntwo alice and bob\nthree\n');
  const sub3 = await bob.callTool({ name: 'submit', arguments: { message: 'resolved' } });
  assertEq(sub3.structuredContent.state, 'landed', 'resolution landed: ' + text(sub3));

  // lock tools (intent module), when braid has them
  if (names.includes('intent_declare')) {
    const d = await alice.callTool({ name: 'intent_declare', arguments: { targets: ['b.txt'], level: 'L4' } });
    assert(!d.isError, 'declare ok: ' + text(d));
    assertEq(d.structuredContent.granted, true, 'granted');
    const denied = await bob.callTool({ name: 'intent_declare', arguments: { targets: ['b.txt'], level: 'L2' } });
    assert(denied.isError, 'bob is refused');
    assert(text(denied).includes('alice'), 'the refusal names the holder: ' + text(denied));
    const rel = await alice.callTool({ name: 'intent_release', arguments: { targets: ['b.txt'] } });
    assert(!rel.isError, 'release ok: ' + text(rel));
  }

  // errors: tool errors whose text says what to do next
  const nf = await alice.callTool({ name: 'conflict_show', arguments: { id: 'ffffffff' } });
  assert(nf.isError, 'unknown conflict is a tool error');
  assert(text(nf).startsWith('error (not_found)'), 'error code in text: ' + text(nf));
  assert(text(nf).includes('next:'), 'error says what to do next');
  const bad = await alice.callTool({ name: 'op_log', arguments: { limit: 'ten' } });
  assert(bad.isError && text(bad).includes("argument 'limit' must be an integer"), 'bad argument: ' + text(bad));
  const extra = await alice.callTool({ name: 'status', arguments: { color: true } });
  assert(extra.isError && text(extra).includes("unknown argument 'color'"), 'unknown argument');
  const other = await bob.callTool({ name: 'submit', arguments: { workspace: 'alice' } });
  assert(other.isError && text(other).includes("belongs to agent 'alice'"), 'not your workspace: ' + text(other));

  let threw = null;
  try { await alice.callTool({ name: 'no_such_tool', arguments: {} }); } catch (e) { threw = e; }
  assert(threw && threw.code === -32602 && /Unknown tool 'no_such_tool'/.test(threw.message), 'unknown tool: ' + threw);

  const log = await alice.callTool({ name: 'op_log', arguments: { kind: 'land', limit: 5 } });
  assertEq(log.structuredContent.ops.length, 2, 'two landings in the op log');
  await alice.close();
  await bob.close();
}

// Raw JSON-RPC over a pipe: things an SDK client never sends.
async function rawSession(repo) {
  const proc = spawn(BRAID, ['mcp', '--max-message', '2048'], { cwd: repo.ws.alice, stdio: ['pipe', 'pipe', 'pipe'] });
  const lines = [];
  let buf = '';
  proc.stdout.on('data', (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) { lines.push(JSON.parse(buf.slice(0, i))); buf = buf.slice(i + 1); }
  });
  const send = (s) => proc.stdin.write(s + '\n');
  send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2024-11-05', capabilities: {}, clientInfo: { name: 'raw', version: '0' } } }));
  send('{"jsonrpc": "2.0", "id": 2, "method": ');              // malformed
  send('x'.repeat(5000));                                         // oversize line
  send('[{"jsonrpc":"2.0","id":3,"method":"ping"}]');             // batch
  send(JSON.stringify({ jsonrpc: '2.0', id: 4, method: 'resources/list' }));
  send(JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'ping' }));
  send(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
  send(JSON.stringify({ jsonrpc: '2.0', id: 6, method: 'tools/call', params: { name: 'status', arguments: [1] } }));
  proc.stdin.end();
  const code = await new Promise((r) => proc.on('exit', r));
  assertEq(code, 0, 'exits 0 at end of input');
  assertEq(lines.length, 7, 'one answer per request, none for the notification: ' + JSON.stringify(lines));
  assertEq(lines[0].result.protocolVersion, '2024-11-05', 'negotiates the version the client asks for');
  assertEq(lines[1].error.code, -32700, 'parse error');
  assertEq(lines[1].id, null, 'parse error has id null');
  assertEq(lines[2].error.code, -32600, 'oversize line');
  assert(lines[2].error.message.includes('2048'), 'says the limit');
  assertEq(lines[3].error.code, -32600, 'batch refused');
  assertEq(lines[4].error.code, -32601, 'unknown method');
  assertEq(lines[5], { jsonrpc: '2.0', id: 5, result: {} }, 'ping after the abuse still works');
  assertEq(lines[6].error.code, -32602, 'arguments must be an object');
}

const repo = makeRepo(['alice', 'bob']);
try {
  await withTimeout(50000, async () => {
    await sdkSession(repo);
    await rawSession(repo);
  });
  // An unknown version is answered with the newest one braid speaks.
  assert(LATEST_PROTOCOL_VERSION.length === 10, 'sdk exports a version');
  console.log('mcp: ok');
} finally {
  repo.cleanup();
}
