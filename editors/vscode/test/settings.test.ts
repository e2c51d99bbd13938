import assert from "node:assert/strict";
import { test } from "node:test";

import { NOT_FOUND, OPTIONS, type Search, findServer, serverOptions } from "../src/settings";

test("valid settings become initializationOptions", () => {
  const values: Record<string, unknown> = { maxTokens: 32, multiline: "single", temperature: 0.2 };
  const { options, warnings } = serverOptions((k) => values[k]);
  assert.deepEqual(options, { maxTokens: 32, multiline: "single", temperature: 0.2 });
  assert.deepEqual(warnings, []);
});

test("bad settings are dropped with one sentence each", () => {
  const values: Record<string, unknown> = { maxTokens: 0, sampling: "magic", temperature: 9, prefixTokens: 1.5 };
  const { options, warnings } = serverOptions((k) => values[k]);
  assert.deepEqual(options, {});
  assert.equal(warnings.length, 4);
  assert.match(warnings[1] ?? "", /pied\.sampling must be auto, plain, healing or bytes/);
});

test("every option is contributed in package.json with a description", async () => {
  const pkg = JSON.parse(await import("node:fs").then((fs) => fs.readFileSync("package.json", "utf8")));
  const props = pkg.contributes.configuration.properties;
  for (const option of OPTIONS) {
    const prop = props[`pied.${option.key}`];
    assert.ok(prop, `pied.${option.key} missing from package.json`);
    assert.ok(prop.description.length > 10);
    assert.ok(option.check(prop.default), `the default of pied.${option.key} fails its own check`);
  }
});

function search(executables: string[], extra: Partial<Search> = {}): Search {
  return { path: "/usr/bin:/opt/tools/bin/", home: "/home/u", folders: [], isExecutable: (f) => executables.includes(f), ...extra };
}

test("pied on PATH is found when pied.path is empty", () => {
  assert.deepEqual(findServer("", search(["/opt/tools/bin/pied"])), { command: "/opt/tools/bin/pied", args: ["lsp"] });
  assert.deepEqual(findServer(undefined, search(["/usr/bin/pied"])), { command: "/usr/bin/pied", args: ["lsp"] });
});

test("without PATH, a workspace .venv comes before pipx's ~/.local/bin", () => {
  const places = ["/home/u/.local/bin/pied", "/work/proj/.venv/bin/pied"];
  assert.deepEqual(findServer("", search(places, { folders: ["/work/proj/"] })), {
    command: "/work/proj/.venv/bin/pied",
    args: ["lsp"],
  });
  assert.deepEqual(findServer("", search(places.slice(0, 1), { folders: ["/work/proj"] })), {
    command: "/home/u/.local/bin/pied",
    args: ["lsp"],
  });
});

test("pied.path wins: an absolute path as it is, a name on PATH", () => {
  const all = ["/usr/bin/pied", "/srv/pied/bin/pied", "/usr/bin/pied-dev"];
  assert.deepEqual(findServer(" /srv/pied/bin/pied ", search(all)), { command: "/srv/pied/bin/pied", args: ["lsp"] });
  assert.deepEqual(findServer("pied-dev", search(all)), { command: "/usr/bin/pied-dev", args: ["lsp"] });
});

test("nothing found: one message with the fix", () => {
  assert.deepEqual(findServer("", search([], { path: undefined, home: undefined })), { error: NOT_FOUND });
  assert.match(NOT_FOUND, /pied is not installed or not on PATH — install it with `pipx install/);
  const bad = findServer("/nope/pied", search(["/usr/bin/pied"]));
  assert.ok("error" in bad && bad.error.startsWith('pied.path is set to "/nope/pied", which is not an executable file.'));
});

test("the extension's commands are its own: none is a server command", async () => {
  const fs = await import("node:fs");
  const pkg = JSON.parse(fs.readFileSync("package.json", "utf8"));
  const contributed: string[] = pkg.contributes.commands.map((c: { command: string }) => c.command);
  const source = ["src/extension.ts", "src/nextedit.ts"].map((f) => fs.readFileSync(f, "utf8")).join("\n");
  const registered = [...source.matchAll(/registerCommand\("([^"]+)"/g)].map((m) => m[1]);
  assert.deepEqual([...registered].sort(), [...contributed].sort());
  for (const name of contributed) {
    assert.ok(name.startsWith("pied.client."), `${name} could clash with a server command`);
  }
});
