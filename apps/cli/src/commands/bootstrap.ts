import { Command, Option } from 'commander';
import { action, RunState } from '../command';
import { ExitCode, UsageError } from '../errors';
import { uuid } from '../parse';
import { AGENT_TYPES } from './agents';

interface BootstrapOptions {
  org?: string;
  orgId?: string;
  keyName: string;
  keyRole: 'viewer' | 'member' | 'admin';
  agentName?: string;
  agentType: (typeof AGENT_TYPES)[number];
  endpoint?: string;
}

/**
 * `bootstrap`: from the global admin key an operator got with `npm run bootstrap`, an organisation, a
 * key for CI in it and (optionally) the agent to evaluate — what a team needs before its first gate.
 */
export function registerBootstrap(program: Command, state: RunState): void {
  program
    .command('bootstrap')
    .description('With a global admin key: create an organisation (or use one), an API key for CI in it and, optionally, an agent')
    .option('--org <name>', 'create an organisation with this name')
    .option('--org-id <org_id>', 'use this existing organisation instead', uuid)
    .option('--key-name <name>', 'name of the new key', 'ci-pipeline')
    .addOption(new Option('--key-role <role>', 'role of the new key').choices(['viewer', 'member', 'admin']).default('member'))
    .option('--agent-name <name>', 'also register an agent with this name (with the new key)')
    .addOption(new Option('--agent-type <agent_type>', 'type of that agent').choices(AGENT_TYPES).default('search_retrieval'))
    .option('--endpoint <url>', "that agent's HTTP endpoint")
    .action(
      action<BootstrapOptions>(state, async (ctx, opts) => {
        if (Boolean(opts.org) === Boolean(opts.orgId)) throw new UsageError('give exactly one of --org <name> and --org-id <org_id>');
        const admin = ctx.client();
        const orgId = opts.orgId ?? (await admin.request('post', '/api/v1/orgs', { body: { name: opts.org! } })).id;
        const key = await admin.request('post', '/api/v1/system/api-keys', { body: { name: opts.keyName, role: opts.keyRole, org_id: orgId } });
        if (!key.api_key) throw new UsageError('the API did not return the new key (a replayed request never does): run bootstrap again');
        const agent = opts.agentName
          ? await ctx.client(key.api_key).agents.create({ name: opts.agentName, agent_type: opts.agentType, api_endpoint: opts.endpoint })
          : null;
        // The key goes to stdout once; it is never written to GITHUB_OUTPUT, whose values are not masked.
        ctx.out.github.outputs({ org_id: orgId, key_id: key.id, agent_id: agent?.id ?? '' });
        const result = { org_id: orgId, key_id: key.id, role: key.role, api_key: key.api_key, agent_id: agent?.id ?? null };
        ctx.out.result(result, () => [
          `Organisation ${orgId}`,
          `API key (${key.role}, shown once — store it as a secret, e.g. GREENLIGHT_API_KEY): ${key.api_key}`,
          ...(agent ? [`Agent ${agent.name}: ${agent.id}`] : []),
        ]);
        return ExitCode.ok;
      }),
    );
}
