import { ensureAgentBundle } from "@/server/sandbox/agent/bundle";

/** Once before the integration tests: sandboxes they start run the agent's bundle, built from the current sources. */
export default async function setup(): Promise<void> {
  const said = await ensureAgentBundle();
  if (said) console.log(said);
}
