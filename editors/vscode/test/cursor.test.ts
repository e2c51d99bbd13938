import assert from "node:assert/strict";
import { test } from "node:test";

import { CURSOR, cursorParams, debounce } from "../src/cursor";

test("the cursor notification has the server's shape", () => {
  assert.equal(CURSOR, "pied/cursor");
  assert.deepEqual(cursorParams("file:///a.py", 3, 4), {
    textDocument: { uri: "file:///a.py" },
    position: { line: 3, character: 4 },
  });
});

test("a burst of cursor moves sends the last one, once", async () => {
  const sent: number[] = [];
  const tell = debounce<number>(20, (n) => sent.push(n));
  tell(1);
  tell(2);
  tell(3);
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.deepEqual(sent, [3]);
});
