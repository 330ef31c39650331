import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { ApiKeyStatus, ErrorCode, Role, roleSatisfies } from '@greenlight/contracts';
import { AppConfig } from '@greenlight/config';
import { ApiKeyEntity, Page, PageRequest } from '@greenlight/database';
import { Actor } from '@greenlight/tenancy';
import { DomainError, OrgScope, paginate } from '@greenlight/platform';
import { OrgsService } from '../orgs/orgs.service';
import { API_KEY_PATTERN, generateApiKey, hashApiKey } from './api-key-codec';

export interface ApiKeyView {
  id: string;
  org_id: string | null;
  name: string;
  key_prefix: string;
  role: Role;
  status: ApiKeyStatus;
  expires_at: Date | null;
  last_used_at: Date | null;
  revoked_at: Date | null;
  rate_limit_per_minute: number | null;
  created_at: Date;
}

export interface CreatedApiKey extends ApiKeyView {
  /** The plaintext key: returned once, never stored. */
  api_key: string;
}

export interface CreateApiKeyInput {
  name: string;
  role: Role;
  /** Omitted: the caller's org (org keys) or a global key (global callers). */
  org_id?: string | null;
  expires_at?: Date;
  rate_limit_per_minute?: number | null;
}

/** Why a presented key was refused; the guard turns each into a 401 message. */
export type KeyRejection = 'malformed' | 'unknown' | 'revoked' | 'expired' | 'misconfigured';

const MAX_TTL_DAYS = 3650;
const TOUCH_INTERVAL_MS = 60_000;

@Injectable()
export class ApiKeysService {
  /** When this process last wrote last_used_at per key; skips most redundant updates. */
  private readonly lastTouched = new Map<string, number>();

  constructor(
    @InjectRepository(ApiKeyEntity) private readonly keys: Repository<ApiKeyEntity>,
    private readonly orgs: OrgsService,
    private readonly config: AppConfig,
  ) {}

  async create(actor: Actor, input: CreateApiKeyInput): Promise<CreatedApiKey> {
    const scope = OrgScope.of(actor);
    const orgId = await this.keyOrg(scope, input.org_id);
    if (!roleSatisfies(actor.role, input.role)) {
      throw new DomainError(ErrorCode.FORBIDDEN, 'cannot create a key with a stronger role than your own');
    }
    if (scope.isOrgKey) this.assertOrgMayChooseLimit(input.rate_limit_per_minute);
    return this.insert({ ...input, org_id: orgId }, actor.key_id);
  }

  /**
   * The org a new key belongs to: the one named, else the caller's own (none for a global caller,
   * which makes a global key). An org admin cannot mint keys elsewhere: another org answers 404 like
   * a missing one, a global key 403.
   */
  private async keyOrg(scope: OrgScope, requested: string | null | undefined): Promise<string | null> {
    const orgId = requested === undefined ? scope.orgId : requested;
    if (orgId === null) {
      if (scope.isOrgKey) throw new DomainError(ErrorCode.FORBIDDEN, 'only global admin keys can create global keys');
      return null;
    }
    await this.orgs.assertAccessible(scope.actor, orgId);
    return orgId;
  }

  /**
   * An org admin may give a key a stricter limit than the platform's, never a looser one: 0 (no
   * limit) or a number above API_RATE_LIMIT_PER_MINUTE is for global admins only. When the platform
   * has no limit, nothing an org asks for is looser.
   */
  private assertOrgMayChooseLimit(requested: number | null | undefined): void {
    if (requested === undefined || requested === null) return;
    const platform = this.config.get('API_RATE_LIMIT_PER_MINUTE');
    if (platform <= 0) return;
    if (requested >= 1 && requested <= platform) return;
    throw new DomainError(
      ErrorCode.API_KEY_RATE_LIMIT_FORBIDDEN,
      `org admins may set rate_limit_per_minute from 1 to the platform limit of ${platform}; a higher limit or none (0) needs a global admin key`,
      { field: 'rate_limit_per_minute', requested, platform_limit_per_minute: platform },
    );
  }

  /** Creates a key without an actor: for the bootstrap command. */
  async createUnchecked(input: CreateApiKeyInput & { org_id: string | null }): Promise<CreatedApiKey> {
    return this.insert(input, null);
  }

  private async insert(input: CreateApiKeyInput & { org_id: string | null }, createdBy: string | null): Promise<CreatedApiKey> {
    if (input.org_id === null && input.role !== 'admin') {
      throw new DomainError(ErrorCode.API_KEY_SCOPE_ROLE_INVALID, 'global keys (no org_id) must have role admin', {
        role: input.role,
        org_id: null,
      });
    }
    const now = Date.now();
    const expiresAt = input.expires_at ?? new Date(now + this.config.get('API_KEY_DEFAULT_TTL_DAYS') * 86_400_000);
    if (expiresAt.getTime() <= now) {
      throw DomainError.validation('expires_at must be in the future', [{ field: 'expires_at', messages: ['must be in the future'] }]);
    }
    if (expiresAt.getTime() > now + MAX_TTL_DAYS * 86_400_000) {
      throw DomainError.validation(`expires_at must be within ${MAX_TTL_DAYS} days`, [
        { field: 'expires_at', messages: [`must be within ${MAX_TTL_DAYS} days`] },
      ]);
    }
    const key = generateApiKey();
    const saved = await this.keys.save(
      this.keys.create({
        org_id: input.org_id,
        name: input.name,
        key_prefix: key.prefix,
        key_hash: key.hash,
        role: input.role,
        status: 'active',
        expires_at: expiresAt,
        rate_limit_per_minute: input.rate_limit_per_minute ?? null,
        created_by_key_id: createdBy,
      }),
    );
    return { ...present(saved), api_key: key.plaintext };
  }

  async list(actor: Actor, filter: { status?: ApiKeyStatus; org_id?: string }, page: PageRequest): Promise<Page<ApiKeyView>> {
    const scope = await OrgScope.resolve(this.keys.manager, actor, filter.org_id);
    const qb = scope.query(this.keys.manager, ApiKeyEntity, 'k');
    if (filter.status) qb.andWhere('k.status = :status', { status: filter.status });
    qb.orderBy('k.created_at', 'DESC').addOrderBy('k.id', 'ASC');
    return paginate(qb, page, present);
  }

  /** Revokes a key; revoking a revoked key is a no-op that returns it. */
  async revoke(actor: Actor, id: string): Promise<ApiKeyView> {
    const key = await OrgScope.of(actor).findOne(this.keys.manager, ApiKeyEntity, id, 'api key');
    if (key.status === 'revoked') return present(key);
    await this.keys
      .createQueryBuilder()
      .update()
      .set({ status: 'revoked', revoked_at: () => 'now()' })
      .where('id = :id AND status = :active', { id, active: 'active' })
      .execute();
    const updated = await this.keys.findOneByOrFail({ id });
    return present(updated);
  }

  /**
   * Looks a presented key up by its hash and checks it can be used now. Text that cannot be a key is
   * refused without touching the database.
   */
  async authenticate(plaintext: string): Promise<{ key: ApiKeyEntity } | { rejected: KeyRejection }> {
    if (!API_KEY_PATTERN.test(plaintext)) return { rejected: 'malformed' };
    const key = await this.keys.findOneBy({ key_hash: hashApiKey(plaintext) });
    if (!key) return { rejected: 'unknown' };
    if (key.status !== 'active') return { rejected: 'revoked' };
    if (key.expires_at && key.expires_at.getTime() <= Date.now()) return { rejected: 'expired' };
    if (key.org_id === null && key.role !== 'admin') return { rejected: 'misconfigured' };
    return { key };
  }

  /** Records use of a key, at most once a minute per key so hot keys do not write on every call. */
  async touch(id: string): Promise<void> {
    const now = Date.now();
    if (now - (this.lastTouched.get(id) ?? 0) < TOUCH_INTERVAL_MS) return;
    this.lastTouched.set(id, now);
    if (this.lastTouched.size > 10_000) this.lastTouched.clear();
    await this.keys
      .createQueryBuilder()
      .update()
      .set({ last_used_at: () => 'now()' })
      .where(`id = :id AND (last_used_at IS NULL OR last_used_at < now() - interval '60 seconds')`, { id })
      .execute();
  }
}

function present(k: ApiKeyEntity): ApiKeyView {
  return {
    id: k.id,
    org_id: k.org_id,
    name: k.name,
    key_prefix: k.key_prefix,
    role: k.role,
    status: k.status,
    expires_at: k.expires_at,
    last_used_at: k.last_used_at,
    revoked_at: k.revoked_at,
    rate_limit_per_minute: k.rate_limit_per_minute,
    created_at: k.created_at,
  };
}
