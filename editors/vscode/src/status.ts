// What the status bar item says (pure: no vscode import).

export type State = "starting" | "ready" | "error";

export interface StatusText {
  text: string;
  tooltip: string;
}

/** How many suggestions were shown and accepted (the daemon's statistics, on this machine). */
export interface Acceptance {
  shown: number;
  accepted: number;
}

/** "35%" of suggestions accepted, or "" before any was shown. */
export function formatAcceptance(a?: Acceptance): string {
  return a && a.shown > 0 ? `${Math.round((100 * a.accepted) / a.shown)}%` : "";
}

/** The status bar text for the server's state, the model, the last latency and acceptance. */
export function formatStatus(
  state: State,
  model?: string,
  latencyMs?: number,
  error?: string,
  acceptance?: Acceptance,
): StatusText {
  if (state === "starting") {
    return { text: "$(sync~spin) pied", tooltip: "pied: loading the model" };
  }
  if (state === "error") {
    return { text: "$(error) pied", tooltip: `pied: ${error ?? "not available"}` };
  }
  const latency = latencyMs === undefined ? "" : ` ${formatMs(latencyMs)}`;
  const rate = formatAcceptance(acceptance);
  const kept = rate && acceptance ? `, ${acceptance.accepted} of ${acceptance.shown} suggestions accepted (${rate})` : "";
  return {
    text: `$(sparkle) pied${latency}${rate ? ` · ${rate}` : ""}`,
    tooltip: `pied: ready${model ? `, ${model}` : ""}${latency ? `, last suggestion in${latency}` : ""}${kept}`,
  };
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** Keeps the last few latencies; reports the most recent one. */
export class Latencies {
  private readonly values: number[] = [];

  constructor(private readonly keep = 20) {}

  add(ms: number): void {
    this.values.push(ms);
    if (this.values.length > this.keep) {
      this.values.shift();
    }
  }

  get last(): number | undefined {
    return this.values[this.values.length - 1];
  }

  get median(): number | undefined {
    if (this.values.length === 0) {
      return undefined;
    }
    const sorted = [...this.values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[mid] : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
  }
}
