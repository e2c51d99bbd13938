"""A document's KV cache written to disk and read back on the real model: the restored
cells give the same next-token distribution as encoding the text afresh."""

import numpy as np

from pied.kvcache.cache import Policy, SequenceCache
from pied.kvcache.disk import DiskStore
from tests.model.test_pie import NOISE, SOURCE, distribution, full, kl


def test_a_cache_restored_from_disk_equals_a_fresh_encoding(backend, tmp_path):
    tokens = backend.tokenize(SOURCE.encode())[:600]
    reference = full(backend, tokens, seq=0)
    backend.kv_remove(0, -1, -1)
    policy = Policy(guard_tokens=0, guard_to_line_end=False)

    before = SequenceCache(backend, n_seq=4, policy=policy)
    before.sync("doc", tokens)
    disk = DiskStore(tmp_path, "model", 1 << 30)
    assert disk.save("file:///doc.py", before.snapshot("doc"))
    before.forget("doc")
    assert backend.kv_pos_max(0) == -1  # nothing left in memory

    after = SequenceCache(backend, n_seq=4, policy=policy)  # as a restarted daemon
    assert after.adopt("doc", disk.load("file:///doc.py"))
    stats = after.sync("doc", tokens)
    assert after.restores == 1
    assert stats.encoded <= 1  # the last token again, for its logits; nothing else
    restored = distribution(backend.logits().astype(np.float64))
    assert int(restored.argmax()) == int(reference.argmax())
    # llama.cpp's logits move a little with the physical cells a sequence sits in (two
    # fresh encodings in different cells differ by KL up to ~4e-3): the same bound as a
    # refreshed cache is held to.
    assert kl(reference, restored) < 10 * NOISE
