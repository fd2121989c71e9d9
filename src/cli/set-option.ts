// `--set option=value`, repeatable, as every hanet command that takes
// options spells it: commander calls this once per occurrence.
export function collectSetting(value: string, previous: Record<string, string>): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new Error(`--set expects option=value, got '${value}'`);
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}
