import assert from "node:assert/strict";
import { test } from "node:test";

import { OPTIONS, serverCommand, serverOptions } from "../src/settings";

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

test("the server command defaults to pied lsp", () => {
  assert.deepEqual(serverCommand(undefined), { command: "pied", args: ["lsp"] });
  assert.deepEqual(serverCommand(" /opt/pied/bin/pied "), { command: "/opt/pied/bin/pied", args: ["lsp"] });
});
