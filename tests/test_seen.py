from __future__ import annotations

from loyalty_rules.io.seen import SeenIds


def _rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * 4 / 1024


def test_every_id_is_new_once_across_many_merges():
    seen = SeenIds()
    ids = [f"C{i:07d}" for i in range(300_000)]  # several runs of 65,536, merged
    assert all(seen.add(cid) for cid in ids)
    assert len(seen) == len(ids)
    assert not any(seen.add(cid) for cid in ids[::997])  # old runs, merged runs, recent
    assert "C0000000" in seen and "C9999999" not in seen
    assert seen.add("黄先生") and not seen.add("黄先生")


def test_a_million_ids_take_a_few_megabytes():
    seen = SeenIds()
    before = _rss_mb()
    for i in range(1_000_000):
        seen.add(f"C{i:07d}-r3")
    grown = _rss_mb() - before
    assert grown < 30, f"{grown:.0f} MB for a million ids (a set of strings takes ~93 MB)"
