import { Controller, Get, Param } from '@nestjs/common';
import { ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { Auth, CurrentActor } from '@greenlight/auth';
import { ApiEnvelope, ErrorEnvelope, UuidParamPipe } from '@greenlight/http';
import { LaunchEvidenceService } from '@greenlight/launch';
import type { Actor } from '@greenlight/tenancy';
import { ChainVerdictView, EvidenceBundleView, EvidencePublicKeyView } from './dto/launch-evidence.dto';

const UNSIGNED = 'SERVICE_UNAVAILABLE when LAUNCH_EVIDENCE_SIGNING_KEY is not set';

@ApiTags('Guardrails')
@Controller('api/v1')
export class LaunchEvidenceController {
  constructor(private readonly evidence: LaunchEvidenceService) {}

  @Get('agents/:agent_id/launch-evidence/verify')
  @Auth('viewer')
  @ApiOperation({
    summary: "Recompute the agent's launch evidence chain and name the first broken link",
    description:
      "Each record's content is rebuilt from its stored columns and hashed again (content_hash = SHA-256 of its canonical JSON), its prev_hash must be the previous record's row_hash (64 zeros for seq 1), and row_hash = SHA-256 of prev_hash followed by content_hash. An agent without records has a valid, empty chain.",
  })
  @ApiEnvelope(ChainVerdictView)
  verify(@CurrentActor() actor: Actor, @Param('agent_id', UuidParamPipe) agentId: string) {
    return this.evidence.verify(actor, agentId);
  }

  @Get('agents/:agent_id/launch-evidence/export')
  @Auth('viewer')
  @ApiOperation({
    summary: "Export the agent's launch evidence, signed with Ed25519",
    description:
      'Every record with its content and hashes, the runs and compares they cite, and the server verification at export time. `signature.value` is the Ed25519 signature of the UTF-8 bytes of the canonical JSON of `bundle`; check it with the key of GET /api/v1/launch-evidence/public-key, then recompute the chain.',
  })
  @ApiEnvelope(EvidenceBundleView)
  @ApiServiceUnavailableResponse({ description: UNSIGNED, type: ErrorEnvelope })
  export(@CurrentActor() actor: Actor, @Param('agent_id', UuidParamPipe) agentId: string) {
    return this.evidence.export(actor, agentId);
  }

  @Get('launch-evidence/public-key')
  @Auth('viewer')
  @ApiOperation({ summary: 'The Ed25519 public key that signs exported launch evidence, with its key id' })
  @ApiEnvelope(EvidencePublicKeyView)
  @ApiServiceUnavailableResponse({ description: UNSIGNED, type: ErrorEnvelope })
  publicKey() {
    return this.evidence.publicKey();
  }
}
