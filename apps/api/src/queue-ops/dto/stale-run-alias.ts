import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, Max, Min, registerDecorator } from 'class-validator';
import { OptionalField } from '@greenlight/http';

/**
 * `stale_heartbeat_seconds` is the earlier name of `stale_run_seconds` (how long a running run may go
 * without a live job and without progress before it is reaped). Either name is accepted; a request that
 * gives both with different values is refused rather than guessed at.
 */
function EqualsWhenBothGiven(other: string): PropertyDecorator {
  return (object: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'equalsWhenBothGiven',
      target: object.constructor,
      propertyName: String(propertyName),
      constraints: [other],
      options: { message: `${String(propertyName)} is another name for ${other}; when both are given they must be equal` },
      validator: {
        validate(value: unknown, args) {
          const given = (args?.object as Record<string, unknown> | undefined)?.[other];
          return given === undefined || given === value;
        },
      },
    });
}

/** The alias field, with the same bounds as `stale_run_seconds`. */
export const StaleHeartbeatSecondsField = () =>
  applyDecorators(
    ApiPropertyOptional({
      minimum: 10,
      maximum: 604800,
      description: 'Another name for stale_run_seconds (the earlier API called it so); if both are given they must be equal, else VALIDATION_ERROR',
    }),
    OptionalField(),
    IsInt(),
    Min(10),
    Max(604800),
    EqualsWhenBothGiven('stale_run_seconds'),
  );

/** The effective `stale_run_seconds` of a request that may use either name (validation made them agree). */
export function staleRunSeconds(body: { stale_run_seconds?: number; stale_heartbeat_seconds?: number }): number | undefined {
  return body.stale_run_seconds ?? body.stale_heartbeat_seconds;
}
