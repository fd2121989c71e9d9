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

/** Neutron's timestamp format: 2018-03-19T19:17:04Z (no fractions). */
export function formatTimestamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export interface StandardRow {
  readonly id: string;
  readonly project_id: string;
  readonly description: string;
  readonly tags: readonly string[];
  readonly created_at: Date;
  readonly updated_at: Date;
  readonly revision_number: number;
}

export function standardView(row: StandardRow): StandardView {
  return {
    id: row.id,
    project_id: row.project_id,
    tenant_id: row.project_id,
    description: row.description,
    tags: row.tags,
    created_at: formatTimestamp(row.created_at),
    updated_at: formatTimestamp(row.updated_at),
    revision_number: row.revision_number,
  };
}
