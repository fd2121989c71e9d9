// Attributes every Neutron resource carries (standard-attr-* and project-id).

export interface StandardView {
  readonly id: string;
  readonly project_id: string;
  readonly tenant_id: string;
  readonly description: string;
  readonly tags: readonly string[];
  readonly created_at: string;
  readonly updated_at: string;
  readonly revision_number: number;
}

/**
 * Neutron's timestamp format: 2018-03-19T19:17:04Z (no fractions). Rows read
 * as JSON carry UTC ISO strings (database sessions run in UTC), which only
 * need cutting; list views format thousands of them.
 */
export function formatTimestamp(value: Date | string): string {
  if (typeof value === 'string' && (value.endsWith('+00:00') || value.endsWith('Z'))) return `${value.slice(0, 19)}Z`;
  return `${new Date(value).toISOString().slice(0, 19)}Z`;
}

/**
 * The columns behind StandardView. View builders copy them in one object
 * literal rather than spreading a shared part: V8 builds literals with fixed
 * keys ten times faster than spreads, which matters for lists of thousands.
 */
export interface StandardRow {
  readonly id: string;
  readonly project_id: string;
  readonly description: string;
  readonly tags: readonly string[];
  /** A Date from a row, or an ISO string from a row read as JSON (db/json-rows.ts). */
  readonly created_at: Date | string;
  readonly updated_at: Date | string;
  readonly revision_number: number;
}
