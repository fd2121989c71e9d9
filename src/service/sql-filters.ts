// Pushes the simple equality filters of a list request down into SQL, so a
// lookup such as ?device_id=X does not read every row. The API layer still
// applies every filter afterwards, so a column left out here only costs speed.
import type { SelectQueryBuilder } from 'kysely';
import type { Filters } from './deps.js';

export function applySqlFilters<QB extends SelectQueryBuilder<any, any, any>>(
  query: QB,
  filters: Filters,
  columns: Readonly<Record<string, string>>,
): QB {
  let q = query;
  for (const [attribute, column] of Object.entries(columns)) {
    const values = filters[attribute];
    if (values && values.length > 0) q = q.where(column, 'in', values) as QB;
  }
  return q;
}
