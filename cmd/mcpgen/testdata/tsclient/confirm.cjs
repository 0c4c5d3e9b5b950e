// The official TypeScript client (@modelcontextprotocol/sdk) against
// TechNova's cancel_order, for TestConfirmTypeScriptClient. It cancels the
// first pending order; the user's answer to every confirmation is ACTION
// ("accept", "decline" or "cancel"), or with ACTION=none the client
// declares no elicitation capability. It prints one JSON line: the tool's
// result, the questions asked, and the order's status afterwards.
//
//   node confirm.cjs http URL BEARER
//   node confirm.cjs stdio ENV_JSON COMMAND ARGS...
const { Client } = require("@modelcontextprotocol/sdk/client/index.js");
const { StreamableHTTPClientTransport } = require("@modelcontextprotocol/sdk/client/streamableHttp.js");
const { StdioClientTransport } = require("@modelcontextprotocol/sdk/client/stdio.js");
const { ElicitRequestSchema } = require("@modelcontextprotocol/sdk/types.js");

async function main() {
  const [mode, ...rest] = process.argv.slice(2);
  const action = process.env.ACTION;
  const capabilities = action === "none" ? {} : { elicitation: { form: {} } };
  const client = new Client({ name: "mcpgen-ts-e2e", version: "1" }, { capabilities });
  const asked = [];
  if (action !== "none") {
    client.setRequestHandler(ElicitRequestSchema, async (req) => {
      asked.push({ message: req.params.message, schema: req.params.requestedSchema });
      return action === "accept" ? { action, content: {} } : { action };
    });
  }
  let transport;
  if (mode === "http") {
    const [url, bearer] = rest;
    transport = new StreamableHTTPClientTransport(new URL(url), {
      requestInit: { headers: { Authorization: "Bearer " + bearer } },
    });
  } else {
    const [envJSON, command, ...args] = rest;
    transport = new StdioClientTransport({ command, args, env: { ...process.env, ...JSON.parse(envJSON) }, stderr: "ignore" });
  }
  await client.connect(transport);
  const structured = (r) => {
    if (r.isError) throw new Error("tool error: " + JSON.stringify(r.content));
    return r.structuredContent;
  };
  const pending = structured(await client.callTool({ name: "list_orders", arguments: { status: "pending", limit: 1 } })).rows;
  const id = pending[0].id;
  const result = await client.callTool({ name: "cancel_order", arguments: { order_id: id, reason: "wrong model" } });
  const after = structured(await client.callTool({ name: "get_order", arguments: { order_id: id } }));
  console.log(JSON.stringify({ id, result, asked, status: after.status, protocol: transport.protocolVersion ?? null }));
  await client.close();
}

main().catch((err) => {
  console.error(err && err.stack ? err.stack : String(err));
  process.exit(1);
});
