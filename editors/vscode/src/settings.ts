// The extension's settings turned into what the server takes (pure: no vscode import).

/** A setting of `pied.*` and the server option it becomes, with its check. */
interface Option {
  key: string;
  check: (value: unknown) => boolean;
  allowed: string;
}

const integer = (min: number) => (v: unknown) => typeof v === "number" && Number.isInteger(v) && v >= min;
const oneOf = (...choices: string[]) => (v: unknown) => typeof v === "string" && choices.includes(v);

export const OPTIONS: readonly Option[] = [
  { key: "maxTokens", check: integer(1), allowed: "an integer >= 1" },
  { key: "timeBudgetMs", check: integer(1), allowed: "an integer >= 1" },
  { key: "multiline", check: oneOf("auto", "single", "multi"), allowed: "auto, single or multi" },
  { key: "sampling", check: oneOf("auto", "plain", "healing", "bytes"), allowed: "auto, plain, healing or bytes" },
  {
    key: "temperature",
    check: (v) => typeof v === "number" && v >= 0 && v <= 5,
    allowed: "a number from 0 to 5",
  },
  { key: "prefixTokens", check: integer(0), allowed: "an integer >= 0" },
  { key: "suffixTokens", check: integer(0), allowed: "an integer >= 0" },
  { key: "contextTokens", check: integer(0), allowed: "an integer >= 0" },
];

export interface ServerOptions {
  /** initializationOptions for `pied lsp` (camelCase names, as the server accepts). */
  options: Record<string, unknown>;
  /** One sentence per setting that was ignored, for the user. */
  warnings: string[];
}

/** Server options from a settings getter (e.g. `workspace.getConfiguration("pied").get`). */
export function serverOptions(get: (key: string) => unknown): ServerOptions {
  const options: Record<string, unknown> = {};
  const warnings: string[] = [];
  for (const option of OPTIONS) {
    const value = get(option.key);
    if (value === undefined || value === null) {
      continue;
    }
    if (option.check(value)) {
      options[option.key] = value;
    } else {
      warnings.push(`pied.${option.key} must be ${option.allowed}; ignoring ${JSON.stringify(value)}.`);
    }
  }
  return { options, warnings };
}

/** The command line that starts the language server. */
export function serverCommand(path: unknown): { command: string; args: string[] } {
  const command = typeof path === "string" && path.trim() !== "" ? path.trim() : "pied";
  return { command, args: ["lsp"] };
}
