import assert from "node:assert/strict";
import { test } from "node:test";

import { type NextEdit, preview } from "../src/edits";

const range = { start: { line: 5, character: 0 }, end: { line: 6, character: 0 } };

test("a one-line edit previews as its line", () => {
  const edit: NextEdit = { uri: "file:///a.py", range, newText: "    return get_list(key)[0]\n" };
  assert.equal(preview(edit), "return get_list(key)[0]");
});

test("a longer edit previews its first line and how many follow", () => {
  const edit: NextEdit = { uri: "file:///a.py", range, newText: "a = 1\nb = 2\nc = 3\n" };
  assert.equal(preview(edit), "a = 1 … (+2 lines)");
});

test("lines dropped preview as a deletion, not as an empty line", () => {
  const one: NextEdit = { uri: "file:///a.py", range, newText: "", oldText: "    kwargs.pop('x')" };
  assert.equal(preview(one), "delete this line");
  const two: NextEdit = { ...one, oldText: "a = 1\nb = 2" };
  assert.equal(preview(two), "delete these 2 lines");
});

test("lines added below a kept line preview as what is added", () => {
  const edit: NextEdit = { uri: "file:///a.py", range, newText: '    "Auth",\n    "NetRCAuth",\n', oldText: '    "Auth",' };
  assert.equal(preview(edit), 'add "NetRCAuth",');
});
