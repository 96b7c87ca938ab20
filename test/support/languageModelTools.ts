/**
 * package.json's contributes.languageModelTools, made from the agent tools' definitions (so
 * VS Code and `goheap mcp` offer the same tools). The unit test checks that package.json
 * holds exactly this; `npx tsx test/support/languageModelTools.ts` writes it there.
 */
import { readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { AGENT_TOOLS, AgentTool } from '../../src/protocol/agentTools';
import { REPO } from './corpus';

export function contribution(t: AgentTool) {
  const { properties, required } = t.inputSchema;
  return {
    name: `goheap_${t.name}`,
    toolReferenceName: `goheap-${t.name}`,
    displayName: `Go Heap Dump: ${t.title}`,
    modelDescription: `${t.description} Works on the heap dump open in the Go Heap Dump Viewer (the active one when "dump" is omitted), or on a dump by path.`,
    userDescription: t.description,
    canBeReferencedInPrompt: true,
    icon: '$(pulse)',
    tags: ['go', 'heap', 'memory'],
    inputSchema: {
      ...t.inputSchema,
      properties: { ...properties, dump: { ...properties.dump, description: `${properties.dump.description} Optional: the active heap dump when omitted.` } },
      required: required.filter((k) => k !== 'dump'),
    },
  };
}

export const expectedContributions = () => AGENT_TOOLS.map(contribution);

if (require.main === module) {
  const file = join(REPO, 'package.json');
  const pkg = JSON.parse(readFileSync(file, 'utf8'));
  pkg.contributes.languageModelTools = expectedContributions();
  writeFileSync(file, JSON.stringify(pkg, null, 2) + '\n');
}
