import { ApiOkResponse, ApiProperty, ApiSchema } from '@nestjs/swagger';
import { schemaNameCollisions } from './openapi-audit';

/** A model class with the given name, as two features could each declare one. */
function model(name: string): new () => unknown {
  const cls = { [name]: class {} }[name];
  ApiProperty({ type: String })(cls.prototype, 'id');
  return cls;
}

function controller(responses: Record<string, unknown>): new () => unknown {
  class Ctl {}
  for (const [method, type] of Object.entries(responses)) {
    Object.defineProperty(Ctl.prototype, method, { value: () => undefined, enumerable: false });
    ApiOkResponse({ type: type as never })(Ctl.prototype, method, Object.getOwnPropertyDescriptor(Ctl.prototype, method)!);
  }
  return Ctl;
}

describe('schemaNameCollisions', () => {
  it('finds two classes documented under one name, also when one is only reached through a property', () => {
    const health = model('ReadinessView');
    const launch = model('ReadinessView');
    class Holder {}
    ApiProperty({ type: () => launch })(Holder.prototype, 'readiness');
    expect(schemaNameCollisions([controller({ ready: health, agent: [Holder] })])).toEqual(['ReadinessView: 2 different classes share this schema name']);
  });

  it('is quiet when each name has one class, or an ApiSchema name tells them apart', () => {
    const a = model('StatusView');
    const b = model('StatusView');
    ApiSchema({ name: 'LaunchStatusView' })(b);
    expect(schemaNameCollisions([controller({ one: a, two: b, again: a })])).toEqual([]);
  });
});
