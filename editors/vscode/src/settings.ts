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
  { key: "answerWithinMs", check: integer(0), allowed: "an integer >= 0" },
  { key: "multiline", check: oneOf("auto", "single", "multi"), allowed: "auto, single or multi" },
  { key: "sampling", check: oneOf("auto", "plain", "healing", "bytes"), allowed: "auto, plain, healing or bytes" },
  {
    key: "temperature",
    check: (v) => typeof v === "number" && v >= 0 && v <= 5,
    allowed: "a number from 0 to 5",
  },
  {
    key: "topP",
    check: (v) => typeof v === "number" && v > 0 && v <= 1,
    allowed: "a number above 0, at most 1",
  },
  { key: "prefixTokens", check: integer(0), allowed: "an integer >= 0" },
  { key: "suffixTokens", check: integer(0), allowed: "an integer >= 0" },
  { key: "scopedSuffix", check: (v) => typeof v === "boolean", allowed: "true or false" },
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

/** How the language server is started. */
export interface ServerCommand {
  command: string;
  args: string[];
}

/** Where to look for `pied`: the environment the search needs (injected, so it is testable). */
export interface Search {
  /** The extension host's PATH (not always the PATH of the terminal that started the editor). */
  path: string | undefined;
  home: string | undefined;
  /** Absolute paths of the workspace folders. */
  folders: readonly string[];
  /** Whether an absolute path is an executable file. */
  isExecutable: (file: string) => boolean;
}

export const NOT_FOUND =
  "pied is not installed or not on PATH — install it with `pipx install /path/to/pied` " +
  "(or `make setup` in a pied checkout) or set pied.path to the pied command.";

/** The places a Python tool's `pied` lands, in the order they are tried after PATH. */
export function usualPlaces(home: string | undefined, folders: readonly string[]): string[] {
  const places = folders.map((f) => `${f.replace(/\/+$/, "")}/.venv/bin/pied`);
  if (home) {
    places.push(`${home.replace(/\/+$/, "")}/.local/bin/pied`);
  }
  return places;
}

/**
 * The command that starts `pied lsp`: `pied.path` when set (a name is looked up on PATH), else
 * `pied` on PATH, else the usual places (a workspace `.venv`, pipx's `~/.local/bin`).
 * An error message with the fix when nothing is found.
 */
export function findServer(setting: unknown, search: Search): ServerCommand | { error: string } {
  const configured = typeof setting === "string" ? setting.trim() : "";
  const dirs = (search.path ?? "").split(":").filter((d) => d !== "");
  const onPath = (name: string) => dirs.map((d) => `${d.replace(/\/+$/, "")}/${name}`).find(search.isExecutable);
  if (configured !== "") {
    const found = configured.includes("/")
      ? search.isExecutable(configured)
        ? configured
        : undefined
      : onPath(configured);
    return found === undefined
      ? { error: `pied.path is set to "${configured}", which is not an executable file. ${NOT_FOUND}` }
      : { command: found, args: ["lsp"] };
  }
  const found = onPath("pied") ?? usualPlaces(search.home, search.folders).find(search.isExecutable);
  return found === undefined ? { error: NOT_FOUND } : { command: found, args: ["lsp"] };
}
