import { Controller, Get, Inject, Injectable } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import type Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { ErrorCode } from '@greenlight/contracts';
import { DomainError } from '@greenlight/platform';
import { REDIS_CLIENT } from '@greenlight/queue';
import { Public } from './route-metadata';
import { ApiEnvelope, ErrorEnvelope } from './openapi';

const CHECK_TIMEOUT_MS = 2000;

export class HealthDependencyCheck {
  @ApiProperty({ enum: ['up', 'down'] }) status: 'up' | 'down';
  @ApiProperty({ description: 'Round-trip time of the check' }) latency_ms: number;
  @ApiProperty({ required: false, nullable: true, type: String }) error?: string | null;
}

export class HealthLivenessView {
  @ApiProperty({ example: 'ok' }) status: string;
  @ApiProperty({ example: 'api' }) service: string;
  @ApiProperty({ description: 'Seconds since the process started' }) uptime_seconds: number;
}

export class HealthReadinessView {
  @ApiProperty({ enum: ['ready', 'not_ready'] }) status: 'ready' | 'not_ready';
  @ApiProperty({ example: 'api' }) service: string;
  @ApiProperty({ type: HealthDependencyCheck }) postgres: HealthDependencyCheck;
  @ApiProperty({ type: HealthDependencyCheck }) redis: HealthDependencyCheck;
}

export const SERVICE_NAME = Symbol('SERVICE_NAME');

@Injectable()
export class HealthService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    @Inject(SERVICE_NAME) readonly service: string,
  ) {}

  liveness(): HealthLivenessView {
    return { status: 'ok', service: this.service, uptime_seconds: Math.round(process.uptime()) };
  }

  async readiness(): Promise<HealthReadinessView> {
    const [postgres, redis] = await Promise.all([timed(() => this.db.query('SELECT 1')), timed(() => this.redis.ping())]);
    const ready = postgres.status === 'up' && redis.status === 'up';
    return { status: ready ? 'ready' : 'not_ready', service: this.service, postgres, redis };
  }
}

async function timed(check: () => Promise<unknown>): Promise<HealthDependencyCheck> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
      }),
    ]);
    return { status: 'up', latency_ms: Math.round(performance.now() - started), error: null };
  } catch (err) {
    return { status: 'down', latency_ms: Math.round(performance.now() - started), error: (err as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

/** `/health` (the process is alive) and `/health/ready` (Postgres and Redis answer). Both apps serve it. */
@ApiTags('System')
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get()
  @Public()
  @ApiOperation({ summary: 'Liveness: the process is up' })
  @ApiEnvelope(HealthLivenessView, { description: 'The process is up' })
  live(): HealthLivenessView {
    return this.health.liveness();
  }

  @Get('ready')
  @Public()
  @ApiOperation({ summary: 'Readiness: Postgres and Redis answer' })
  @ApiEnvelope(HealthReadinessView, { description: 'Postgres and Redis both answer' })
  @ApiServiceUnavailableResponse({
    description: 'A dependency is down: SERVICE_UNAVAILABLE, with the readiness report in error.details',
    type: ErrorEnvelope,
  })
  async ready(): Promise<HealthReadinessView> {
    const view = await this.health.readiness();
    if (view.status !== 'ready') {
      throw new DomainError(ErrorCode.SERVICE_UNAVAILABLE, 'a dependency is not ready', view as unknown as Record<string, unknown>);
    }
    return view;
  }
}
