export function naiveParse(line: string): Record<string, string | number> | null;
