import { Command, Option } from 'commander';
import { BodyOf, collect } from '@greenlight/sdk';
import { action, RunState } from '../command';
import { ExitCode } from '../errors';
import { columns } from '../format';
import { integer, uuid } from '../parse';

type AgentType = BodyOf<'/api/v1/agents', 'post'>['agent_type'];

/** The agent types the API takes; `satisfies` checks them against the SDK's type of the field. */
export const AGENT_TYPES = [
  'search_retrieval',
  'document_generator',
  'dashboard_analytics',
  'triage_classification',
  'analysis',
] as const satisfies readonly AgentType[];

type AgentRow = { id: string; name: string; agent_type: string; status: string; api_endpoint?: string | null };

const table = (agents: AgentRow[]) =>
  columns([['ID', 'NAME', 'TYPE', 'STATUS', 'ENDPOINT'], ...agents.map((a) => [a.id, a.name, a.agent_type, a.status, a.api_endpoint ?? '–'])]);

/** `agents list|get|create`: the agents under evaluation. */
export function registerAgents(program: Command, state: RunState): void {
  const agents = program.command('agents').description('List, show and register agents');

  agents
    .command('list')
    .description('List the agents of your organisation, one page (or every page with --all)')
    .option('--limit <n>', 'page size (1-200)', integer(1, 200), 50)
    .option('--offset <n>', 'where the page starts', integer(0), 0)
    .option('--all', 'fetch every page')
    .action(
      action<{ limit: number; offset: number; all?: boolean }>(state, async (ctx, opts) => {
        const client = ctx.client();
        if (opts.all) {
          const items = await collect(client.agents.iterate({}, { limit: 200, offset: opts.offset }));
          ctx.out.result({ items, total: items.length }, () => [...table(items), `${items.length} agents`]);
        } else {
          const page = await client.agents.list({ limit: opts.limit, offset: opts.offset });
          ctx.out.result(page, () => [...table(page.items), `${page.items.length} of ${page.total} agents (offset ${page.offset})`]);
        }
        return ExitCode.ok;
      }),
    );

  agents
    .command('get')
    .description('Show one agent')
    .argument('<agent_id>', 'the agent', uuid)
    .action(
      action(state, async (ctx, _opts, [agentId]) => {
        const agent = await ctx.client().agents.get(agentId!);
        ctx.out.result(agent, () => JSON.stringify(agent, null, 2));
        return ExitCode.ok;
      }),
    );

  agents
    .command('create')
    .description('Register an agent (member key)')
    .requiredOption('--name <name>', 'unique within your organisation')
    .addOption(new Option('--type <agent_type>', 'what kind of agent it is').choices(AGENT_TYPES).makeOptionMandatory())
    .option('--endpoint <url>', 'the HTTP endpoint evaluation runs call')
    .option('--description <text>')
    .option('--owner <owner>', 'who answers for the agent')
    .action(
      action<{ name: string; type: (typeof AGENT_TYPES)[number]; endpoint?: string; description?: string; owner?: string }>(state, async (ctx, opts) => {
        const agent = await ctx.client().agents.create({
          name: opts.name,
          agent_type: opts.type,
          api_endpoint: opts.endpoint,
          description: opts.description,
          owner: opts.owner,
        });
        ctx.out.github.outputs({ agent_id: agent.id });
        ctx.out.result(agent, () => `Created agent ${agent.name}: ${agent.id}`);
        return ExitCode.ok;
      }),
    );
}
