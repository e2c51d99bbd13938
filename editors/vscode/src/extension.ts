// pied for VS Code: starts `pied lsp`, shows ghost-text suggestions, adds commands.
import * as vscode from "vscode";
import type { LanguageClient } from "vscode-languageclient/node";

import { createClient, locateServer } from "./client";
import { SERVER, runOnActiveEditor, showStatus } from "./commands";
import { CURSOR, CURSOR_MS, cursorParams, debounce } from "./cursor";
import { NextEdits } from "./nextedit";
import { OPTIONS } from "./settings";
import { type Acceptance, Latencies, type State, formatStatus } from "./status";

const OPEN_SETTINGS = "Open Settings";

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel("pied", { log: true });
  const item = vscode.window.createStatusBarItem("pied.status", vscode.StatusBarAlignment.Right, 100);
  item.name = "pied";
  item.command = "pied.client.showStatus";
  item.show();
  const latencies = new Latencies();
  let model: string | undefined;
  let problem: string | undefined;
  let acceptance: Acceptance | undefined;
  const shown = new Set<string>();
  const paint = (state: State, error?: string) => {
    const s = formatStatus(state, model, latencies.last, error, acceptance);
    item.text = s.text;
    item.tooltip = s.tooltip;
    item.accessibilityInformation = { label: s.tooltip };
  };
  const fail = (message: string) => {
    problem = message;
    output.error(message);
    paint("error", message);
    void vscode.window.showErrorMessage(message, OPEN_SETTINGS).then((choice) => {
      if (choice === OPEN_SETTINGS) {
        void vscode.commands.executeCommand("workbench.action.openSettings", "pied.path");
      }
    });
  };

  const start = async () => {
    paint("starting");
    problem = undefined;
    const command = locateServer();
    if ("error" in command) {
      fail(command.error);
      return;
    }
    output.info(`starting ${command.command} ${command.args.join(" ")}`);
    client = createClient(command, output, {
      onLatency: (ms) => {
        latencies.add(ms);
        paint("ready");
      },
      onAccepted: () => {
        void refreshAcceptance();
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
        command: SERVER.status,
        arguments: [],
      })) as { model?: { name?: string }; acceptance?: Acceptance | null } | null;
      model = status?.model?.name;
      acceptance = status?.acceptance ?? undefined;
      paint("ready");
    } catch (e) {
      fail(`pied could not start (${command.command} lsp): ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  /** The acceptance rate in the status item, from the daemon's statistics. */
  const refreshAcceptance = async () => {
    const status = (await client
      ?.sendRequest("workspace/executeCommand", { command: SERVER.status, arguments: [] })
      .catch(() => null)) as { acceptance?: Acceptance | null } | null | undefined;
    if (status?.acceptance) {
      acceptance = status.acceptance;
      paint("ready");
    }
  };
  const stop = async () => {
    const running = client;
    client = undefined;
    await running?.stop().catch(() => undefined);
  };
  /** A command that needs the language server: says why not when it is not running. */
  const needsServer = (run: () => Promise<unknown>) => async () => {
    if (!client?.isRunning()) {
      void vscode.window.showErrorMessage(problem ?? "pied is still starting.", ...(problem ? [OPEN_SETTINGS] : []));
      return;
    }
    await run();
  };

  // Where the cursor rests, so the daemon encodes that window before a suggestion is asked.
  const tellCursor = debounce<vscode.TextEditor>(CURSOR_MS, (editor) => {
    const pos = editor.selection.active;
    if (client?.isRunning() && ["file", "untitled"].includes(editor.document.uri.scheme)) {
      void client
        .sendNotification(CURSOR, cursorParams(editor.document.uri.toString(), pos.line, pos.character))
        .catch(() => undefined);
    }
  });

  new NextEdits(() => client).register(context);
  context.subscriptions.push(
    output,
    item,
    vscode.window.onDidChangeTextEditorSelection((e) => tellCursor(e.textEditor)),
    vscode.window.onDidChangeActiveTextEditor((editor) => editor && tellCursor(editor)),
    vscode.commands.registerCommand("pied.client.translateToPython", needsServer(() => runOnActiveEditor(SERVER.translate))),
    vscode.commands.registerCommand("pied.client.summarize", needsServer(() => runOnActiveEditor(SERVER.summarize))),
    vscode.commands.registerCommand("pied.client.showStatus", needsServer(showStatus)),
    vscode.commands.registerCommand("pied.client.restart", async () => {
      await stop();
      await start();
    }),
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (e.affectsConfiguration("pied.path")) {
        await stop();
        await start();
      } else if (e.affectsConfiguration("pied") && client) {
        const config = vscode.workspace.getConfiguration("pied");
        await client.sendNotification("workspace/didChangeConfiguration", {
          settings: { pied: Object.fromEntries(OPTIONS.map((o) => [o.key, config.get(o.key)])) },
        });
      }
    }),
  );
  await start();
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}
