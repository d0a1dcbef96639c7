"""The time each stage of a run takes: wall clock, CPU and peak memory.

``rsgeo run`` starts the clock at every stage it announces ("rsgeo: 叠加分析 /
overlay: …"); the stages' times go to ``run.json`` (``"timings"``) and, with
``rsgeo run --timings``, to the terminal as a table.

Examples
--------
>>> clock = StageClock()
>>> clock.start("reading", "读取输入 / reading inputs")
>>> clock.start("overlay", "叠加分析 / overlay")
>>> clock.stop()
>>> [t.key for t in clock.stages]
['reading', 'overlay']
>>> all(t.wall_s >= 0 and t.cpu_s >= 0 for t in clock.stages)
True
"""

from __future__ import annotations

import dataclasses
import sys
import time
from typing import Any

__all__ = ["StageClock", "StageTime", "peak_rss_mb"]


def peak_rss_mb() -> float | None:
    """The peak resident memory of this process so far, in MB (None where unknown)."""
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024.0 / 1024.0 if sys.platform == "darwin" else peak / 1024.0


def _cpu_s() -> float:
    """CPU seconds of this process (all threads) and of its finished worker processes."""
    own = time.process_time()
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return own
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own + children.ru_utime + children.ru_stime


@dataclasses.dataclass(frozen=True)
class StageTime:
    """One stage: its key, the line it was announced with, wall and CPU seconds, peak RSS."""

    key: str
    label: str
    wall_s: float
    cpu_s: float
    peak_rss_mb: float | None


class StageClock:
    """Times the stages of a run, one after the other."""

    def __init__(self) -> None:
        self.stages: list[StageTime] = []
        self._current: tuple[str, str, float, float] | None = None

    def start(self, key: str, label: str) -> None:
        """End the stage that runs (if any) and start ``key``."""
        self.stop()
        self._current = (key, label, time.perf_counter(), _cpu_s())

    def stop(self) -> None:
        """End the stage that runs, if any."""
        if self._current is None:
            return
        key, label, wall0, cpu0 = self._current
        self._current = None
        self.stages.append(
            StageTime(key, label, time.perf_counter() - wall0, _cpu_s() - cpu0, peak_rss_mb())
        )

    def as_records(self) -> list[dict[str, Any]]:
        """The stages as JSON-ready records (``run.json``)."""
        return [
            {
                "stage": t.key,
                "wall_s": round(t.wall_s, 3),
                "cpu_s": round(t.cpu_s, 3),
                "peak_rss_mb": None if t.peak_rss_mb is None else round(t.peak_rss_mb, 1),
            }
            for t in self.stages
        ]

    def table(self, header: str) -> str:
        """The stages as a text table under ``header`` (its columns, e.g. from schema.messages)."""
        total_wall = sum(t.wall_s for t in self.stages)
        total_cpu = sum(t.cpu_s for t in self.stages)
        lines = [header]
        for t in self.stages:
            rss = "" if t.peak_rss_mb is None else f"{t.peak_rss_mb:9.0f}"
            share = 100.0 * t.wall_s / total_wall if total_wall else 0.0
            lines.append(f"{t.wall_s:9.2f} {share:5.1f}% {t.cpu_s:9.2f} {rss}  {t.label}")
        lines.append(f"{total_wall:9.2f} 100.0% {total_cpu:9.2f}")
        return "\n".join(lines)
