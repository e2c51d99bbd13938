// Translate and summarize: server commands whose results open in a new editor.
import * as vscode from "vscode";
import type { LanguageClient } from "vscode-languageclient/node";

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

async function run(client: LanguageClient, command: string): Promise<unknown> {
  return client.sendRequest("workspace/executeCommand", {
    command,
    arguments: target(vscode.window.activeTextEditor),
  });
}

export async function translate(client: LanguageClient): Promise<void> {
  const result = (await run(client, "pied.translateToPython")) as { python?: string } | null;
  if (!result?.python) {
    return;
  }
  const doc = await vscode.workspace.openTextDocument({ language: "python", content: result.python });
  await vscode.window.showTextDocument(doc, vscode.ViewColumn.Beside);
}

export async function summarize(client: LanguageClient): Promise<void> {
  const result = (await run(client, "pied.summarize")) as { summary?: string } | null;
  if (!result?.summary) {
    return;
  }
  const doc = await vscode.workspace.openTextDocument({ language: "markdown", content: result.summary });
  await vscode.commands.executeCommand("markdown.showPreviewToSide", doc.uri);
}

export async function showStatus(client: LanguageClient): Promise<void> {
  const status = (await client.sendRequest("workspace/executeCommand", { command: "pied.status", arguments: [] })) as {
    model: { name: string; desc: string };
    latency_ms: { p50: number | null };
    cache: { reuse_rate: number | null };
    documents: number;
  } | null;
  if (status) {
    void vscode.window.showInformationMessage(
      `pied: ${status.model.name} (${status.model.desc}); ${status.documents} documents; ` +
        `latency p50 ${status.latency_ms.p50 ?? "-"} ms; cache reuse ${status.cache.reuse_rate ?? "-"}`,
    );
  }
}
