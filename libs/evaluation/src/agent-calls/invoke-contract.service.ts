import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { AppConfig } from '@greenlight/config';
import { ErrorCode } from '@greenlight/contracts';
import { Actor } from '@greenlight/tenancy';
import { DomainError } from '@greenlight/platform';
import { extractAgentResponse } from './agent-response';
import { ExecutorError, invokeAgent } from './executors';
import { GuardedHttpClient } from '@greenlight/platform';
import { AgentsService } from '@greenlight/accounts';

export interface InvokeContractInput {
  sample_input?: string;
  timeout_ms?: number;
  response_output_path?: string;
  response_sources_path?: string;
}

export interface InvokeContractReport {
  agent_id: string;
  endpoint: string;
  valid: boolean;
  problems: string[];
  status_code: number;
  latency_ms: number;
  content_type: string;
  request_hash: string;
  response_hash: string;
  response_preview: string;
  extracted: {
    output_key: string | null;
    sources_key: string | null;
    output_preview: string | null;
    sources: string[];
  };
}

const sha256 = (b: string | Buffer) => createHash('sha256').update(b).digest('hex');

/** Calls an agent once with the evaluation payload and reports whether its answer is usable. */
@Injectable()
export class InvokeContractService {
  constructor(
    private readonly agents: AgentsService,
    private readonly http: GuardedHttpClient,
    private readonly config: AppConfig,
  ) {}

  async validate(actor: Actor, agentId: string, input: InvokeContractInput): Promise<InvokeContractReport> {
    const agent = await this.agents.load(actor, agentId);
    if (!agent.api_endpoint) {
      throw new DomainError(ErrorCode.AGENT_INVOKE_CONTRACT_CONFIG_ERROR, 'the agent has no api_endpoint to invoke', { agent_id: agent.id });
    }
    const sample = input.sample_input ?? 'Greenlight invoke-contract check: reply with a short answer.';
    const requestBody = JSON.stringify({ input: sample });
    let res;
    try {
      res = await invokeAgent(this.http, agent.api_endpoint, sample, input.timeout_ms ?? Math.min(this.config.get('EVAL_AGENT_TIMEOUT_MS'), 30_000), {
        'X-Greenlight-Contract-Check': '1',
      });
    } catch (err) {
      if (err instanceof ExecutorError) {
        const details: Record<string, unknown> = { agent_id: agent.id, endpoint: agent.api_endpoint, ...(err.details as Record<string, unknown>) };
        const code =
          details.failure === 'blocked_address' || details.failure === 'invalid_url'
            ? ErrorCode.AGENT_INVOKE_CONTRACT_CONFIG_ERROR
            : ErrorCode.AGENT_INVOKE_CONTRACT_RUNTIME_ERROR;
        throw new DomainError(code, err.message, details);
      }
      throw err;
    }
    const extracted = extractAgentResponse(res.body, {
      output_path: input.response_output_path ?? null,
      sources_path: input.response_sources_path ?? null,
    });
    const problems: string[] = [];
    if (extracted.output === null) problems.push('no output field found (looked for output, answer, response, text, content, result, message)');
    else if (!extracted.output.trim()) problems.push('the output is empty');
    if (!/json/i.test(res.content_type)) problems.push(`content-type is "${res.content_type || 'missing'}", not JSON; the whole body is taken as the output`);
    return {
      agent_id: agent.id,
      endpoint: agent.api_endpoint,
      valid: extracted.output !== null && extracted.output.trim() !== '',
      problems,
      status_code: res.status,
      latency_ms: res.latency_ms,
      content_type: res.content_type,
      request_hash: sha256(requestBody),
      response_hash: sha256(res.raw),
      response_preview: res.preview,
      extracted: {
        output_key: extracted.output_key,
        sources_key: extracted.sources_key,
        output_preview: extracted.output === null ? null : extracted.output.slice(0, 500),
        sources: extracted.sources.slice(0, 50),
      },
    };
  }
}
