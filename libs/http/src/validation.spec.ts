import { IsInt, IsString, ValidateNested, ValidationError } from 'class-validator';
import { Type } from 'class-transformer';
import { DomainError } from '@greenlight/platform';
import { ApiValidationPipe, flattenValidationErrors } from './validation';

class Inner {
  @IsInt() n: number;
}
class Outer {
  @IsString() name: string;
  @ValidateNested() @Type(() => Inner) inner: Inner;
}

describe('validation', () => {
  const pipe = new ApiValidationPipe();
  const meta = { type: 'body' as const, metatype: Outer, data: '' };
  const rejectionOf = (value: unknown): Promise<DomainError> =>
    pipe.transform(value, meta).then(
      () => {
        throw new Error('expected a validation failure');
      },
      (e: DomainError) => e,
    );

  it('reports nested fields with dotted paths', async () => {
    const err = await rejectionOf({ name: 5, inner: { n: 'x' } });
    expect(err).toBeInstanceOf(DomainError);
    expect(err.code).toBe('VALIDATION_ERROR');
    const fields = (err.details as { field: string }[]).map((d) => d.field).sort();
    expect(fields).toEqual(['inner.n', 'name']);
  });

  it('refuses unknown fields', async () => {
    const err = await rejectionOf({ name: 'a', inner: { n: 1 }, extra: true });
    expect(err.details).toEqual([{ field: 'extra', messages: ['extra should not exist'] }]);
  });

  it('refuses bodies that are not objects', async () => {
    for (const body of [[1, 2], 'text', 3, null, undefined]) {
      const err = await rejectionOf(body);
      expect(err).toBeInstanceOf(DomainError);
      expect(err.details).toEqual([{ field: 'body', messages: ['must be a JSON object'] }]);
    }
  });

  it('flattens constraint-less parents', () => {
    const child = Object.assign(new ValidationError(), { property: 'b', constraints: { isInt: 'b must be an integer' } });
    const parent = Object.assign(new ValidationError(), { property: 'a', children: [child] });
    expect(flattenValidationErrors([parent])).toEqual([{ field: 'a.b', messages: ['b must be an integer'] }]);
  });
});
