import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn } from 'class-validator';
import { OptionalField } from '@greenlight/http';

/** The run types a run or template is labelled with. */
export const RUN_TYPES = ['standard', 'regression', 'smoke', 'calibration'] as const;
export type RunTypeName = (typeof RUN_TYPES)[number];

/**
 * Names the earlier API used for run types, accepted wherever a run type is sent and stored as ours:
 * `eval` is a plain evaluation (`standard`); `ab_comparison` is a run made to be compared against
 * another run of the same agent, which is what a `regression` run is for. `regression` and
 * `calibration` have the same names in both. Answers always carry our names.
 */
export const EARLIER_RUN_TYPES: ReadonlyMap<string, RunTypeName> = new Map<string, RunTypeName>([
  ['eval', 'standard'],
  ['ab_comparison', 'regression'],
]);

export const RUN_TYPE_MAPPING_DOC = 'The earlier names are accepted too: eval → standard, ab_comparison → regression (answers carry the new names).';

const toOurName = ({ value }: { value: unknown }) => (typeof value === 'string' ? (EARLIER_RUN_TYPES.get(value) ?? value) : value);

/** An optional run type in a body or a query: ours, or an earlier name mapped to ours before it is checked. */
export const RunTypeField = (opts: { default?: RunTypeName } = {}) =>
  applyDecorators(
    ApiPropertyOptional({ enum: [...RUN_TYPES, ...EARLIER_RUN_TYPES.keys()], description: RUN_TYPE_MAPPING_DOC, ...opts }),
    OptionalField(),
    Transform(toOurName),
    IsIn(RUN_TYPES, { message: `$property must be one of ${RUN_TYPES.join(', ')} (or ${[...EARLIER_RUN_TYPES.keys()].join(', ')})` }),
  );
