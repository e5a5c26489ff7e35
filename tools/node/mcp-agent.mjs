// An agent of the tests: drives Meshplane's MCP endpoint with the official
// MCP client SDK (Client + StreamableHTTPClientTransport), as any MCP host
// would, so that the server is judged by a client it did not write.
//
//   node mcp-agent.mjs URL [TOKEN] < plan.json
//
// The plan is a JSON array of steps: {"op": "listTools"},
// {"op": "callTool", "name": ..., "arguments": {...}}, {"op":
// "listResources"}, {"op": "listResourceTemplates"}, {"op": "readResource",
// "uri": ...}. Prints one JSON object: the negotiated protocol version, the
// session id, and per step {ok, result, ms} or {ok: false, error, code}
// (ms: the step's round trip as the client saw it). Exit 0
// when connected (whatever the steps did), 3 when the connection failed.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

const [url, token] = process.argv.slice(2);
if (!url) {
  process.stderr.write('usage: node mcp-agent.mjs URL [TOKEN] < plan.json\n');
  process.exit(2);
}
const plan = JSON.parse((await readStdin()) || '[]');
const headers = token ? { Authorization: `Bearer ${token}` } : {};
const transport = new StreamableHTTPClientTransport(new URL(url), {
  requestInit: { headers },
});
const client = new Client({ name: 'meshplane-test-agent', version: '1.0.0' });
const out = { steps: [] };
try {
  await client.connect(transport);
} catch (e) {
  out.connectError = String(e?.message ?? e);
  out.connectCode = e?.code;
  process.stdout.write(JSON.stringify(out));
  process.exit(3);
}
out.protocolVersion = transport.protocolVersion;
out.sessionId = transport.sessionId;
out.serverVersion = client.getServerVersion();
out.capabilities = client.getServerCapabilities();
for (const step of plan) {
  const started = performance.now();
  try {
    let result;
    switch (step.op) {
      case 'listTools':
        result = await client.listTools();
        break;
      case 'callTool':
        result = await client.callTool({ name: step.name, arguments: step.arguments ?? {} });
        break;
      case 'listResources':
        result = await client.listResources();
        break;
      case 'listResourceTemplates':
        result = await client.listResourceTemplates();
        break;
      case 'readResource':
        result = await client.readResource({ uri: step.uri });
        break;
      default:
        throw new Error(`unknown op ${step.op}`);
    }
    out.steps.push({ ok: true, result, ms: performance.now() - started });
  } catch (e) {
    out.steps.push({ ok: false, error: String(e?.message ?? e), code: e?.code });
  }
}
// Ends the session on the server (DELETE), as a well-behaved client does.
await transport.terminateSession();
await client.close();
process.stdout.write(JSON.stringify(out));
