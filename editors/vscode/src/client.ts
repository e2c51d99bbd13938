// The language client that runs `pied lsp` (LSP over stdio).
import * as vscode from "vscode";
import { LanguageClient, type LanguageClientOptions, type ServerOptions } from "vscode-languageclient/node";

import { serverCommand, serverOptions } from "./settings";

export interface ClientHooks {
  /** Called with the time each inline suggestion took. */
  onLatency: (ms: number) => void;
  /** Called once per settings problem. */
  onWarning: (message: string) => void;
}

export function createClient(output: vscode.LogOutputChannel, hooks: ClientHooks): LanguageClient {
  const config = vscode.workspace.getConfiguration("pied");
  const { command, args } = serverCommand(config.get("path"));
  const { options, warnings } = serverOptions((key) => config.get(key));
  warnings.forEach(hooks.onWarning);
  const server: ServerOptions = { command, args, options: { env: process.env } };
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
    },
  };
  const languageClient = new LanguageClient("pied", "pied", server, client);
  // Inline completion is an LSP 3.18 feature: make sure the client offers it.
  languageClient.registerProposedFeatures();
  return languageClient;
}
