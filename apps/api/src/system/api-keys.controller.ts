import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth, CurrentActor, KeyAuthenticator } from '@greenlight/auth';
import { ApiKeysService } from '@greenlight/accounts';
import { ApiEnvelope, SensitiveResponse, UuidParamPipe } from '@greenlight/http';
import type { Actor } from '@greenlight/tenancy';
import { ApiKeyCreatedView, ApiKeyView, CreateApiKeyDto, ListApiKeysQuery } from './dto/api-key.dto';

@ApiTags('System')
@Controller('api/v1/system/api-keys')
export class ApiKeysController {
  constructor(
    private readonly keys: ApiKeysService,
    private readonly authenticator: KeyAuthenticator,
  ) {}

  @Post()
  @Auth('admin')
  @SensitiveResponse('api_key')
  @ApiOperation({
    summary: 'Create an API key; the plaintext key is returned once',
    description:
      'An Idempotency-Key replay answers with api_key null: the plaintext is never stored. ' +
      'rate_limit_per_minute: 0 means no limit; org admins may only set 1 up to the platform limit (API_RATE_LIMIT_PER_MINUTE), ' +
      'anything looser answers 403 API_KEY_RATE_LIMIT_FORBIDDEN (global admins may set any value).',
  })
  @ApiBody({
    type: CreateApiKeyDto,
    examples: {
      member: { summary: 'Member key in your org', value: { name: 'ci-pipeline', role: 'member' } },
      viewer_with_expiry: {
        summary: 'Viewer key with expiry',
        value: { name: 'dashboard', role: 'viewer', expires_at: '2027-01-01T00:00:00Z' },
      },
    },
  })
  @ApiEnvelope(ApiKeyCreatedView, { status: 201, description: 'Created; data.api_key holds the plaintext key' })
  async create(@CurrentActor() actor: Actor, @Body() body: CreateApiKeyDto) {
    const created = await this.keys.create(actor, body);
    await this.authenticator.rememberNewKey(created.api_key);
    return created;
  }

  @Get()
  @Auth('admin')
  @ApiOperation({ summary: 'List API key metadata (never hashes or plaintext)' })
  @ApiEnvelope(ApiKeyView, { paginated: true })
  list(@CurrentActor() actor: Actor, @Query() query: ListApiKeysQuery) {
    return this.keys.list(actor, { status: query.status, org_id: query.org_id }, query);
  }

  @Post(':key_id/revoke')
  @HttpCode(200)
  @Auth('admin')
  @ApiOperation({ summary: 'Revoke an API key (idempotent)' })
  @ApiEnvelope(ApiKeyView)
  revoke(@CurrentActor() actor: Actor, @Param('key_id', UuidParamPipe) keyId: string) {
    return this.keys.revoke(actor, keyId);
  }
}
