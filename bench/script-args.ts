/**
 * Flags of the standalone bench scripts (`bun bench/<script>.ts [positional…] [--flag v]`):
 * removes `name` and its value from `args`, so what remains is positional.
 */
export function takeFlag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const value = args[i + 1];
  args.splice(i, 2);
  return value;
}
