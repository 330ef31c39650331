import { operationIdFor } from './openapi';

describe('operationIdFor', () => {
  it.each([
    ['post', '/api/v1/eval/runs', 'post_eval_runs'],
    ['get', '/api/v1/agents/{agent_id}/latest', 'get_agents_by_agent_id_latest'],
    ['post', '/api/v1/system/api-keys/{key_id}/revoke', 'post_system_api_keys_by_key_id_revoke'],
    ['get', '/health/ready', 'get_health_ready'],
    ['get', '/api/v1', 'get_root'],
  ])('%s %s → %s', (method, path, expected) => {
    expect(operationIdFor(method, path)).toBe(expected);
  });
});
