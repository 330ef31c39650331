import { Actor } from '@greenlight/tenancy';
import { AuditLogsService, AuditRow } from '@greenlight/platform';

/** Where maintenance's own audit entries point: the API path of what they are about. */
export const MAINTENANCE_AUDIT_PATH = '/api/v1/system/queue/maintenance';

/**
 * Writes the explicit audit entries of maintenance (MAINTENANCE_RUN_REAPED, MAINTENANCE_RUN_ORPHANED,
 * SCHEDULE_*), besides the row of the request itself; the worker's entries carry no key.
 */
export async function writeMaintenanceAudit(
  audit: AuditLogsService,
  actor: Actor | null,
  entries: { org_id: string; path: string; code: string }[],
): Promise<void> {
  if (!entries.length) return;
  const rows: AuditRow[] = entries.map((e) => ({
    request_id: actor?.request_id ?? 'worker:queue-maintenance',
    api_key_id: actor?.key_id ?? null,
    org_id: e.org_id,
    method: 'POST',
    path: e.path,
    status_code: 200,
    latency_ms: 0,
    error_code: e.code,
  }));
  await audit.insertMany(rows);
}

/** The query string naming a schedule in an audit path. */
export function scheduleQuery(name: string | null): string {
  return name ? `?schedule_name=${encodeURIComponent(name)}` : '';
}
