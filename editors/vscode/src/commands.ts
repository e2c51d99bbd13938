// The extension's own commands (pied.client.*) and how server command results are shown.
import * as vscode from "vscode";

/** The server's commands, advertised in its executeCommandProvider and owned by the language client. */
export const SERVER = {
  translate: "pied.translateToPython",
  summarize: "pied.summarize",
  status: "pied.status",
  accepted: "pied.accepted", // carried by each suggestion, run by VS Code when it is accepted
} as const;

/** Arguments of a server job on the active editor: its URI and the selection, if any. */
function target(editor: vscode.TextEditor | undefined): unknown[] {
  if (!editor) {
    return [];
  }
  const args: unknown[] = [editor.document.uri.toString()];
  const s = editor.selection;
  if (!s.isEmpty) {
    args.push({ start: [s.start.line, s.start.character], end: [s.end.line, s.end.character] });
  }
  return args;
}

/** Runs a server command on the active editor (its result is shown by `showResult`). */
export async function runOnActiveEditor(command: string): Promise<unknown> {
  return vscode.commands.executeCommand(command, ...target(vscode.window.activeTextEditor));
}

/** Opens what translate and summarize return: Python beside the source, a summary as a preview. */
export async function showResult(command: string, result: unknown): Promise<void> {
  const value = (result ?? {}) as { python?: string; summary?: string; added?: string[] };
  if (command === SERVER.translate && value.python) {
    const doc = await vscode.workspace.openTextDocument({ language: "python", content: value.python });
    await vscode.window.showTextDocument(doc, vscode.ViewColumn.Beside);
    if (value.added && value.added.length > 0) {
      void vscode.window.showInformationMessage(
        `pied: also translated what the selection uses: ${value.added.join(", ")}`,
      );
    }
  } else if (command === SERVER.summarize && value.summary) {
    const doc = await vscode.workspace.openTextDocument({ language: "markdown", content: value.summary });
    await vscode.commands.executeCommand("markdown.showPreviewToSide", doc.uri);
  }
}

interface Status {
  model: { name: string; desc: string };
  latency_ms: { p50: number | null };
  cache: { reuse_rate: number | null };
  documents: number;
  acceptance?: { shown: number; accepted: number; acceptance_rate: number | null } | null;
}

export async function showStatus(): Promise<void> {
  const status = (await vscode.commands.executeCommand(SERVER.status)) as Status | null;
  if (status) {
    void vscode.window.showInformationMessage(
      `pied: ${status.model.name} (${status.model.desc}); ${status.documents} documents; ` +
        `latency p50 ${status.latency_ms.p50 ?? "-"} ms; cache reuse ${status.cache.reuse_rate ?? "-"}` +
        (status.acceptance ? `; accepted ${status.acceptance.accepted} of ${status.acceptance.shown} suggestions` : ""),
    );
  }
}
