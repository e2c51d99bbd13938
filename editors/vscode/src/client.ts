// The language client that runs `pied lsp` (LSP over stdio).
import * as fs from "node:fs";
import * as os from "node:os";

import * as vscode from "vscode";
import { LanguageClient, type LanguageClientOptions, type ServerOptions } from "vscode-languageclient/node";

import { SERVER, showResult } from "./commands";
import { type ServerCommand, findServer, serverOptions } from "./settings";

export interface ClientHooks {
  /** Called with the time each inline suggestion took. */
  onLatency: (ms: number) => void;
  /** Called once per settings problem. */
  onWarning: (message: string) => void;
  /** Called after the user accepted a suggestion (its command ran). */
  onAccepted: () => void;
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The command that starts `pied lsp` from `pied.path`, PATH and the usual places, or why not. */
export function locateServer(): ServerCommand | { error: string } {
  return findServer(vscode.workspace.getConfiguration("pied").get("path"), {
    path: process.env.PATH,
    home: os.homedir(),
    folders: (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === "file").map((f) => f.uri.fsPath),
    isExecutable,
  });
}

export function createClient(command: ServerCommand, output: vscode.LogOutputChannel, hooks: ClientHooks): LanguageClient {
  const { options, warnings } = serverOptions((key) => userValue(vscode.workspace.getConfiguration("pied"), key));
  warnings.forEach(hooks.onWarning);
  const server: ServerOptions = { command: command.command, args: command.args, options: { env: process.env } };
  const client: LanguageClientOptions = {
    documentSelector: [{ scheme: "file" }, { scheme: "untitled" }],
    outputChannel: output,
    initializationOptions: options,
    middleware: {
      provideInlineCompletionItems: async (document, position, context, token, next) => {
        const started = Date.now();
        const result = await next(document, position, context, token);
        hooks.onLatency(Date.now() - started);
        return result;
      },
      // The language client owns the server's commands (pied.translateToPython, pied.summarize,
      // pied.status); their results are shown here, whoever ran them (a code action or ours).
      executeCommand: async (name, args, next) => {
        const result: unknown = await next(name, args);
        if (name === SERVER.accepted) {
          hooks.onAccepted();
        }
        await showResult(name, result);
        return result;
      },
    },
  };
  const languageClient = new LanguageClient("pied", "pied", server, client);
  // Inline completion is an LSP 3.18 feature: make sure the client offers it.
  languageClient.registerProposedFeatures();
  return languageClient;
}

/** A setting the user set in VS Code (folder, workspace or user), else undefined: the
 * defaults are pied's own, after its config file (sending VS Code's defaults would
 * override that file). */
function userValue(config: vscode.WorkspaceConfiguration, key: string): unknown {
  const set = config.inspect(key);
  return set?.workspaceFolderValue ?? set?.workspaceValue ?? set?.globalValue;
}
