import { timingSafeEqual } from 'node:crypto';
import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AppConfig } from '@greenlight/config';
import { AuthenticationError } from '@greenlight/platform';
import { MetricsService } from './metrics.service';
import { ErrorEnvelope } from './openapi';
import { Public, RawResponse } from './route-metadata';

/**
 * Prometheus scrape endpoint (text exposition format, not enveloped). Open unless METRICS_TOKEN is
 * set; then a scraper sends `Authorization: Bearer <METRICS_TOKEN>` (API keys do not open it).
 */
@ApiTags('System')
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: MetricsService,
    private readonly config: AppConfig,
  ) {}

  @Get()
  @Public()
  @RawResponse()
  @ApiOperation({ summary: 'Prometheus metrics', description: 'Requires `Authorization: Bearer <METRICS_TOKEN>` when METRICS_TOKEN is set.' })
  // The metrics are text; a refusal is the JSON error envelope like every other error answer.
  @ApiOkResponse({ description: 'Prometheus text format', content: { 'text/plain': { schema: { type: 'string' } } } })
  @ApiUnauthorizedResponse({ description: 'UNAUTHORIZED: METRICS_TOKEN is set and the request did not present it', type: ErrorEnvelope })
  async scrape(@Req() req: Request, @Res() res: Response): Promise<void> {
    const token = this.config.get('METRICS_TOKEN');
    if (token && !presentsToken(req.header('authorization'), token)) {
      throw new AuthenticationError('metrics require Authorization: Bearer <METRICS_TOKEN>', 'Bearer realm="metrics"');
    }
    res.type(this.metrics.registry.contentType).send(await this.metrics.registry.metrics());
  }
}

/** Compares in constant time, so response timing does not reveal how much of the token was right. */
function presentsToken(header: string | undefined, token: string): boolean {
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header ?? '');
  if (!match) return false;
  const given = Buffer.from(match[1]);
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
