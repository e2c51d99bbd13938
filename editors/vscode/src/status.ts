// What the status bar item says (pure: no vscode import).

export type State = "starting" | "ready" | "error";

export interface StatusText {
  text: string;
  tooltip: string;
}

/** The status bar text for the server's state, the model and the last latency. */
export function formatStatus(state: State, model?: string, latencyMs?: number, error?: string): StatusText {
  if (state === "starting") {
    return { text: "$(sync~spin) pied", tooltip: "pied: loading the model" };
  }
  if (state === "error") {
    return { text: "$(error) pied", tooltip: `pied: ${error ?? "not available"}` };
  }
  const latency = latencyMs === undefined ? "" : ` ${formatMs(latencyMs)}`;
  return { text: `$(sparkle) pied${latency}`, tooltip: `pied: ready${model ? `, ${model}` : ""}${latency ? `, last suggestion in${latency}` : ""}` };
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
