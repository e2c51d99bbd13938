"""A short soak, as CI runs it: two editors and the CLI at once, the daemon killed twice.

The long one (``pied bench soak --minutes 10``) gives the figures in docs/RELIABILITY.md.
"""

from __future__ import annotations

from pied.bench import soak


def test_a_short_soak_answers_everything_loses_nothing_and_recovers_from_kills():
    report = soak.run(minutes=1.2, seed=1)
    assert report["unanswered"] == 0, report["requests"]
    assert report["crashes_from_input"] == 0
    assert report["lost_edits"] == [], report
    assert len(report["kills"]) >= 4, report["kills"]  # two in the soak, two once quiet
    # Every kill was followed by a suggestion again in the killed editor's file.
    assert len(report["recoveries"]) == len(report["kills"]) - 2, report  # and two quiet ones
    assert all(r["ok"] for r in report["recoveries"]), report["recoveries"]
    quiet = report["quiet_recovery"], report["quiet_asked_later"]
    assert all(q and q["ok"] for q in quiet), quiet
    assert report["requests"]["editors"]["answered"] > 100
    assert report["requests"]["fuzz"]["answered"] > 0
