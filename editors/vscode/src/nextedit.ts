// Next-edit suggestions: after the user pauses an edit, pied proposes the change they make
// next. The lines it would change are marked, the new text drawn after them and named in the
// status bar; Tab goes there, Tab again applies it (the next one is then asked for); Escape or
// any edit dismisses it.
import * as vscode from "vscode";
import type { LanguageClient } from "vscode-languageclient/node";

import { NEXT_EDIT, NEXT_EDIT_MS, type NextEdit, preview } from "./edits";

const SHOWN = "pied.nextEditShown";

export class NextEdits implements vscode.Disposable {
  private shown: { edit: NextEdit; uri: vscode.Uri } | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private asking: vscode.CancellationTokenSource | undefined;
  private readonly marked = vscode.window.createTextEditorDecorationType({
    backgroundColor: new vscode.ThemeColor("diffEditor.removedTextBackground"),
    isWholeLine: true,
  });
  private readonly proposed = vscode.window.createTextEditorDecorationType({
    after: { color: new vscode.ThemeColor("editorGhostText.foreground"), margin: "0 0 0 2em" },
  });
  private readonly item = vscode.window.createStatusBarItem("pied.nextEdit", vscode.StatusBarAlignment.Right, 99);

  constructor(private readonly client: () => LanguageClient | undefined) {
    this.item.name = "pied: next edit";
    this.item.command = "pied.client.nextEdit";
  }

  /** Register the listeners and commands. */
  register(context: vscode.ExtensionContext): void {
    context.subscriptions.push(
      this,
      vscode.workspace.onDidChangeTextDocument((e) => this.changed(e)),
      vscode.window.onDidChangeTextEditorSelection(() => this.draw()),
      vscode.commands.registerCommand("pied.client.nextEdit", () => this.tab()),
      vscode.commands.registerCommand("pied.client.dismissNextEdit", () => this.dismiss()),
    );
  }

  dispose(): void {
    this.dismiss();
    this.marked.dispose();
    this.proposed.dispose();
    this.item.dispose();
  }

  private changed(e: vscode.TextDocumentChangeEvent): void {
    // Only the user's files: an output channel changes all the time.
    if (e.contentChanges.length === 0 || !["file", "untitled"].includes(e.document.uri.scheme)) {
      return;
    }
    this.dismiss();
    const editor = vscode.window.activeTextEditor;
    if (!editor || editor.document !== e.document) {
      return;
    }
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
    }
    const version = e.document.version;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.ask(editor, version);
    }, NEXT_EDIT_MS);
  }

  private async ask(editor: vscode.TextEditor, version: number): Promise<void> {
    const client = this.client();
    if (!client?.isRunning() || editor.document.version !== version) {
      return;
    }
    this.asking?.cancel();
    const asking = new vscode.CancellationTokenSource();
    this.asking = asking;
    const pos = editor.selection.active;
    const params = { textDocument: { uri: editor.document.uri.toString() }, position: { line: pos.line, character: pos.character } };
    const result = (await client.sendRequest(NEXT_EDIT, params, asking.token).catch(() => null)) as { edits?: NextEdit[] } | null;
    const first = result?.edits?.[0];
    if (!first || asking.token.isCancellationRequested || editor.document.version !== version) {
      return;
    }
    this.show(first);
  }

  private show(edit: NextEdit): void {
    this.shown = { edit, uri: vscode.Uri.parse(edit.uri) };
    void vscode.commands.executeCommand("setContext", SHOWN, true);
    this.draw();
  }

  private draw(): void {
    const shown = this.shown;
    if (!shown) {
      return;
    }
    const here = this.cursorAtEdit();
    const hint = here ? "Tab: apply" : "Tab: go there";
    const line = shown.edit.range.start.line + 1;
    const label = `pied: next edit on line ${line} — ${hint}`;
    this.item.text = `$(lightbulb) ${label}`;
    this.item.tooltip = `${shown.edit.why ?? "next edit"}: ${preview(shown.edit)}`;
    this.item.accessibilityInformation = { label };
    this.item.show();
    const editor = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === shown.uri.toString());
    if (!editor) {
      return;
    }
    const range = this.range(shown.edit);
    const last = range.end.character === 0 && range.end.line > range.start.line ? range.end.line - 1 : range.end.line;
    editor.setDecorations(this.marked, [new vscode.Range(range.start.line, 0, last, 0)]);
    const end = editor.document.lineAt(last).range.end;
    editor.setDecorations(this.proposed, [
      { range: new vscode.Range(end, end), renderOptions: { after: { contentText: `→ ${preview(shown.edit)}  (${hint})` } } },
    ]);
  }

  private range(edit: NextEdit): vscode.Range {
    const r = edit.range;
    return new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);
  }

  private cursorAtEdit(): boolean {
    const editor = vscode.window.activeTextEditor;
    const shown = this.shown;
    if (!editor || !shown || editor.document.uri.toString() !== shown.uri.toString()) {
      return false;
    }
    const range = this.range(shown.edit);
    const line = editor.selection.active.line;
    const last = range.end.character === 0 && range.end.line > range.start.line ? range.end.line - 1 : range.end.line;
    return line >= range.start.line && line <= last;
  }

  /** Tab: go to the edit, or apply it when the cursor is there. */
  async tab(): Promise<void> {
    const shown = this.shown;
    if (!shown) {
      return;
    }
    if (!this.cursorAtEdit()) {
      const editor = await vscode.window.showTextDocument(shown.uri);
      const start = new vscode.Position(shown.edit.range.start.line, 0);
      editor.selection = new vscode.Selection(start, start);
      editor.revealRange(new vscode.Range(start, start), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
      this.draw();
      return;
    }
    this.dismiss();
    const edit = new vscode.WorkspaceEdit();
    edit.replace(shown.uri, this.range(shown.edit), shown.edit.newText);
    if ((await vscode.workspace.applyEdit(edit)) && shown.edit.command) {
      const { command, arguments: args } = shown.edit.command;
      await this.client()?.sendRequest("workspace/executeCommand", { command, arguments: args ?? [] }).catch(() => undefined);
    }
  }

  /** Hide the edit shown, if any. */
  dismiss(): void {
    if (!this.shown) {
      return;
    }
    this.shown = undefined;
    for (const editor of vscode.window.visibleTextEditors) {
      editor.setDecorations(this.marked, []);
      editor.setDecorations(this.proposed, []);
    }
    this.item.hide();
    void vscode.commands.executeCommand("setContext", SHOWN, false);
  }
}
