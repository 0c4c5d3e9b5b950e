// Steady load from the official TypeScript MCP client, for the fault test
// (deploy/faults_test.go): one session over Streamable HTTP, calling
// record_write with ids NAME-1, NAME-2... back to back until stdin closes.
// Each call is one JSON line on stdout: {"id","ok","ms","error"}; a
// tools/list_changed notification is {"event":"list_changed"}; the end is
// {"event":"done","sessions":[...]} with every session id the client had
// (one, unless it had to initialize again).
//
//   node load.mjs URL NAME
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ToolListChangedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";

const [url, name] = process.argv.slice(2);
const out = (o) => process.stdout.write(JSON.stringify(o) + "\n");

let stopping = false;
process.stdin.on("end", () => { stopping = true; });
process.stdin.resume();

const transport = new StreamableHTTPClientTransport(new URL(url));
const client = new Client({ name: "mcpgen-faults-ts", version: "1" });
client.setNotificationHandler(ToolListChangedNotificationSchema, async () => out({ event: "list_changed" }));
await client.connect(transport);
const sessions = [transport.sessionId];
out({ event: "ready", session: transport.sessionId });

for (let n = 1; !stopping; n++) {
  const id = `${name}-${n}`;
  const start = performance.now();
  try {
    const res = await client.callTool(
      { name: "record_write", arguments: { call_id: id, client: name } },
      undefined,
      { timeout: 30000 },
    );
    const ms = performance.now() - start;
    if (res.isError) {
      out({ id, ok: false, ms, error: "tool: " + (res.content?.[0]?.text ?? "") });
    } else {
      out({ id, ok: true, ms });
    }
  } catch (err) {
    out({ id, ok: false, ms: performance.now() - start, error: String(err?.message ?? err) });
  }
  if (transport.sessionId !== sessions[sessions.length - 1]) sessions.push(transport.sessionId);
  await new Promise((r) => setTimeout(r, 20));
}
out({ event: "done", sessions });
await client.close();
