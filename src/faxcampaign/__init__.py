"""faxcampaign: plan, write and send protest faxes to manually operated fax lines."""

from __future__ import annotations

__version__ = "0.1.0"


def collect_less() -> None:
    """Run Python's cycle collector less often. A large plan, rota or render makes millions of small
    objects and almost no cycles; the default (a young-generation pass every 700 allocations) then spends
    up to half the command's time scanning them (bench/bench_commands.py). Cycles are still collected
    while the command runs; once it has ended (its last exit handler: after the cache is written), what
    is left is frozen, so that the interpreter does not scan it all once more on its way out."""
    import atexit
    import gc

    gc.set_threshold(50_000, 20, 20)
    if not _freezing:
        _freezing.append(True)
        atexit.register(gc.freeze)


_freezing: list[bool] = []  # the exit handler is registered (once per process)
