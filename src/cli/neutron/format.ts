// Output in the shapes of the legacy neutron CLI (python-neutronclient on
// cliff and prettytable), so transcripts such as the seeds read the same:
// Field/Value tables for one resource, column tables for lists, and JSON as
// Python's json.dumps writes it. Pure.

export type OutputFormat = 'table' | 'json';

/** What -f and -c asked for. */
export interface OutputOptions {
  readonly format: OutputFormat;
  /** -c: the columns (list) or fields (show) to print; empty means the default set. */
  readonly columns: readonly string[];
}

/** The output cannot be made as asked (e.g. -c names no known column); the message is for the user. */
export class OutputError extends Error {}

type Row = Readonly<Record<string, unknown>>;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A JSON string literal as Python writes it: json.dumps escapes everything outside printable ASCII. */
function pythonString(text: string): string {
  return JSON.stringify(text).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * JSON as Python's json.dumps writes it, which is what neutronclient prints
 * in cells: `", "` and `": "` between items when compact, or one item per
 * line with `indent` spaces per level; keys in the object's own order.
 */
export function pythonJson(value: unknown, indent?: number): string {
  const write = (v: unknown, depth: number): string => {
    if (v === null || v === undefined) return 'null';
    if (typeof v === 'string') return pythonString(v);
    if (typeof v === 'number' || typeof v === 'boolean') return JSON.stringify(v);
    const entries: string[] = Array.isArray(v)
      ? v.map((item) => write(item, depth + 1))
      : Object.entries(v as Record<string, unknown>).map(([k, item]) => `${pythonString(k)}: ${write(item, depth + 1)}`);
    const [open, close] = Array.isArray(v) ? ['[', ']'] : ['{', '}'];
    if (entries.length === 0) return `${open}${close}`;
    if (indent === undefined) return `${open}${entries.join(', ')}${close}`;
    const pad = (level: number) => ' '.repeat(indent * level);
    return `${open}\n${entries.map((e) => `${pad(depth + 1)}${e}`).join(',\n')}\n${pad(depth)}${close}`;
  };
  return write(value, 0);
}

/** Python's str() of a scalar, which is how the CLI prints one. */
function scalarText(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return String(value);
}

/**
 * One value as neutronclient shows it in a cell: null empty, booleans
 * True/False, a list one item per line (dicts as JSON), a dict as JSON.
 * `jsonIndent` is neutronclient's json_indent (5 for agent-show).
 */
export function cellText(value: unknown, jsonIndent?: number): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) {
    return value.map((item) => (typeof item === 'object' && item !== null ? pythonJson(item, jsonIndent) : scalarText(item))).join('\n');
  }
  if (isPlainObject(value)) return pythonJson(value, jsonIndent);
  return scalarText(value);
}

/** Whether a code point takes no column (combining marks, zero-width characters). */
function isZeroWidth(cp: number): boolean {
  return (cp >= 0x0300 && cp <= 0x036f) || (cp >= 0x200b && cp <= 0x200f) || (cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0x1ab0 && cp <= 0x1aff) || (cp >= 0x20d0 && cp <= 0x20ff);
}

/** Whether a code point takes two columns (East Asian wide and fullwidth, most emoji). */
function isWide(cp: number): boolean {
  return (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf && cp !== 0x303f) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) ||
    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  );
}

/** Terminal columns a line takes; prettytable measures with wcwidth, so a name in CJK still lines up. */
export function displayWidth(line: string): number {
  let width = 0;
  for (const ch of line) {
    const cp = ch.codePointAt(0)!;
    width += isZeroWidth(cp) ? 0 : isWide(cp) ? 2 : 1;
  }
  return width;
}

export type Alignment = 'l' | 'r';

/**
 * A prettytable as cliff prints it: `+---+` borders, one space of padding,
 * the header row and its separator; a cell with several lines makes its row
 * that tall. `align` defaults to left for every column (headers follow it).
 */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[], align: readonly Alignment[] = []): string {
  // cliff turns CR LF into LF and a lone CR into a space before prettytable sees a cell.
  const split = (cell: string) => cell.replace(/\r\n/g, '\n').replace(/\r/g, ' ').split('\n');
  const body = rows.map((row) => row.map(split));
  const widths = header.map((name, i) => Math.max(displayWidth(name), ...body.map((row) => Math.max(...row[i]!.map(displayWidth)))));
  const fit = (text: string, i: number) => {
    const fill = ' '.repeat(widths[i]! - displayWidth(text));
    return align[i] === 'r' ? fill + text : text + fill;
  };
  const line = (cells: readonly string[]) => `| ${cells.map(fit).join(' | ')} |`;
  const border = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+`;
  const out = [border, line(header), border];
  for (const row of body) {
    const height = Math.max(...row.map((lines) => lines.length));
    for (let l = 0; l < height; l++) out.push(line(row.map((lines) => lines[l] ?? '')));
  }
  out.push(border);
  return `${out.join('\n')}\n`;
}

/** The fields -c picked, or all of them; cliff refuses a selection that matches nothing. */
function pickColumns(available: readonly string[], wanted: readonly string[]): readonly string[] {
  if (wanted.length === 0) return available;
  const picked = available.filter((name) => wanted.includes(name));
  if (picked.length === 0) throw new OutputError(`No recognized column names in ${wanted.join(', ')}. Recognized columns are ${available.join(', ')}.`);
  return picked;
}

/**
 * One resource (show, create): every field sorted by name in a Field/Value
 * table, or a JSON object of the raw values. -c keeps the sorted order, as
 * cliff's ShowOne does.
 */
export function renderResource(resource: Row, options: OutputOptions & { readonly jsonIndent?: number }): string {
  const names = pickColumns(Object.keys(resource).sort(), options.columns);
  if (options.format === 'json') return `${pythonJson(Object.fromEntries(names.map((n) => [n, resource[n]])), 2)}\n`;
  return renderTable(['Field', 'Value'], names.map((n) => [n, cellText(resource[n], options.jsonIndent)]));
}

/** A list command's columns, and how its table cells read where neutronclient had a formatter. */
export interface ListShape {
  readonly columns: readonly string[];
  readonly cells?: Readonly<Record<string, (row: Row) => string>>;
}

/**
 * A list: the shape's columns (those the rows have) or -c's in the order
 * given, as neutronclient's ListCommand picks them. An empty list prints
 * nothing in a table ("[]" in JSON). In JSON the values are raw, except
 * that null becomes "" as neutronclient's get_item_properties makes it.
 */
export function renderList(rows: readonly Row[], shape: ListShape, options: OutputOptions): string {
  if (rows.length === 0) return options.format === 'json' ? '[]\n' : '';
  const available = Object.keys(rows[0]!);
  const names =
    options.columns.length > 0 ? options.columns.filter((c, i) => available.includes(c) && options.columns.indexOf(c) === i) : shape.columns.filter((c) => available.includes(c));
  if (names.length === 0) throw new OutputError(`No recognized column names in ${options.columns.join(', ')}. Recognized columns are ${[...available].sort().join(', ')}.`);
  if (options.format === 'json') {
    return `${pythonJson(rows.map((row) => Object.fromEntries(names.map((n) => [n, row[n] ?? '']))), 2)}\n`;
  }
  const cell = (row: Row, name: string) => shape.cells?.[name]?.(row) ?? cellText(row[name]);
  // cliff right-aligns a column whose first value is a number (a Python bool is not one).
  const align = names.map((n): Alignment => (typeof rows[0]![n] === 'number' && !shape.cells?.[n] ? 'r' : 'l'));
  return renderTable(names, rows.map((row) => names.map((n) => cell(row, n))), align);
}

/** neutronclient's list formatter for lists of dicts (fixed_ips, allocation_pools, host_routes): one JSON object per line. */
export function jsonLines(value: unknown): string {
  return Array.isArray(value) ? value.map((item) => pythonJson(item)).join('\n') : '';
}
