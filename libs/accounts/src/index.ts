export * from './agents/agents.service';
export * from './keys/api-key-codec';
export * from './keys/api-keys.service';
export * from './orgs/orgs.service';
export * from './profiles/eval-profiles.service';
export * from './accounts.module';
