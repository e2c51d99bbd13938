// pied for VS Code: starts `pied lsp`, shows ghost-text suggestions, adds commands.
import * as vscode from "vscode";
import type { LanguageClient } from "vscode-languageclient/node";

import { createClient } from "./client";
import { showStatus, summarize, translate } from "./commands";
import { Latencies, formatStatus } from "./status";

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel("pied", { log: true });
  const item = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Right, 100);
  item.command = "pied.showStatus";
  item.show();
  const latencies = new Latencies();
  let model: string | undefined;
  const shown = new Set<string>();
  const paint = (state: "starting" | "ready" | "error", error?: string) => {
    const s = formatStatus(state, model, latencies.last, error);
    item.text = s.text;
    item.tooltip = s.tooltip;
  };

  const start = async () => {
    paint("starting");
    client = createClient(output, {
      onLatency: (ms) => {
        latencies.add(ms);
        paint("ready");
      },
      onWarning: (message) => {
        if (!shown.has(message)) {
          shown.add(message);
          void vscode.window.showWarningMessage(message);
        }
      },
    });
    try {
      await client.start();
      const status = (await client.sendRequest("workspace/executeCommand", {
        command: "pied.status",
        arguments: [],
      })) as { model?: { name?: string } } | null;
      model = status?.model?.name;
      paint("ready");
    } catch (e) {
      paint("error", e instanceof Error ? e.message : String(e));
    }
  };

  context.subscriptions.push(
    output,
    item,
    vscode.commands.registerCommand("pied.translateToPython", () => client && translate(client)),
    vscode.commands.registerCommand("pied.summarize", () => client && summarize(client)),
    vscode.commands.registerCommand("pied.showStatus", () => client && showStatus(client)),
    vscode.commands.registerCommand("pied.restart", async () => {
      await client?.stop();
      await start();
    }),
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (e.affectsConfiguration("pied.path")) {
        await client?.stop();
        await start();
      } else if (e.affectsConfiguration("pied") && client) {
        const config = vscode.workspace.getConfiguration("pied");
        await client.sendNotification("workspace/didChangeConfiguration", {
          settings: { pied: Object.fromEntries(["maxTokens", "timeBudgetMs", "multiline", "sampling", "temperature", "prefixTokens", "suffixTokens", "contextTokens"].map((k) => [k, config.get(k)])) },
        });
      }
    }),
  );
  await start();
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}
