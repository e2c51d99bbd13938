import assert from "node:assert/strict";
import { test } from "node:test";

import { Latencies, formatAcceptance, formatMs, formatStatus } from "../src/status";

test("status text per state", () => {
  assert.match(formatStatus("starting").tooltip, /loading the model/);
  assert.equal(formatStatus("ready", "0.5b", 420).text, "$(sparkle) pied 420 ms");
  assert.match(formatStatus("ready", "0.5b", 420).tooltip, /0\.5b, last suggestion in 420 ms/);
  assert.match(formatStatus("error", undefined, undefined, "model missing").tooltip, /model missing/);
});

test("milliseconds and seconds", () => {
  assert.equal(formatMs(12.4), "12 ms");
  assert.equal(formatMs(1530), "1.5 s");
});

test("latencies keep the last values", () => {
  const l = new Latencies(3);
  assert.equal(l.median, undefined);
  [100, 300, 200, 900].forEach((v) => l.add(v));
  assert.equal(l.last, 900);
  assert.equal(l.median, 300);
});

test("acceptance rate in the status item", () => {
  assert.equal(formatAcceptance(undefined), "");
  assert.equal(formatAcceptance({ shown: 0, accepted: 0 }), "");
  const s = formatStatus("ready", "0.5b", 420, undefined, { shown: 20, accepted: 7 });
  assert.equal(s.text, "$(sparkle) pied 420 ms · 35%");
  assert.match(s.tooltip, /7 of 20 suggestions accepted \(35%\)/);
});
