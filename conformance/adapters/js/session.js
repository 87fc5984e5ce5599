'use strict';
// The adapter's side of a wampbox-conform session (conformance/PROTOCOL.md
// sections 1-2): JSON lines on stdin/stdout, the hello answered with `hello`,
// each case answered by handlers[op] (sync or async): its result as `ok`, a
// thrown Fail (code, message) as `error`, a thrown Unsupported as
// `unsupported`, anything else as `error` `internal` with the stack on stderr.
// Shared by the JavaScript adapters (adapter.js, ../wampy/adapter.js). Exits 0
// after `bye` or the end of stdin.

const readline = require('readline');

async function serveSession({ hello, handlers, Fail, Unsupported }) {
  const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');
  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of rl) {
    if (!line.trim()) continue;
    const msg = JSON.parse(line);
    if (msg.type === 'hello') { out(hello); continue; }
    if (msg.type === 'bye') break;
    if (msg.type !== 'case') continue;
    const h = handlers[msg.op];
    if (!h) { out({ id: msg.id, status: 'unsupported', reason: `operation ${msg.op} not implemented` }); continue; }
    try {
      out({ id: msg.id, status: 'ok', output: await h(msg.input || {}) });
    } catch (e) {
      if (e instanceof Fail) out({ id: msg.id, status: 'error', error: e.code, message: e.message });
      else if (e instanceof Unsupported) out({ id: msg.id, status: 'unsupported', reason: e.message });
      else {
        process.stderr.write(`${(e && e.stack) || e}\n`);
        out({ id: msg.id, status: 'error', error: 'internal', message: String(e && e.message) });
      }
    }
  }
  process.exit(0);
}

module.exports = { serveSession };
