import { Module } from '@nestjs/common';
import { PlatformModule } from '@greenlight/platform';
import { AgentsService } from './agents/agents.service';
import { ApiKeysService } from './keys/api-keys.service';
import { OrgsService } from './orgs/orgs.service';
import { EvalProfilesService } from './profiles/eval-profiles.service';

const PROVIDERS = [OrgsService, ApiKeysService, AgentsService, EvalProfilesService];

/** Who uses Greenlight and what they evaluate: orgs, API keys, agents and eval profiles. */
@Module({ imports: [PlatformModule], providers: PROVIDERS, exports: PROVIDERS })
export class AccountsModule {}
