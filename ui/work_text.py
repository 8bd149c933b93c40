"""The work budget in words: durations and what a reduced gradient check checked, in the
session's language (strings in ui/i18n_work.py)."""

from __future__ import annotations

import math

from rnn_core import work

from .frame import t


def duration(seconds: float) -> str:
    """About how long: "0.4 s", "12 s", "11 min", "3 h", "4 days"."""
    if not math.isfinite(seconds):
        return "∞"
    if seconds < 10:
        return t("wk.seconds", n=f"{seconds:.1g}" if seconds < 1 else f"{seconds:.0f}")
    if seconds < 90:
        return t("wk.seconds", n=round(seconds))
    if seconds < 90 * 60:
        return t("wk.minutes", n=round(seconds / 60))
    if seconds < 48 * 3600:
        return t("wk.hours", n=round(seconds / 3600))
    return t("wk.days", n=round(seconds / 86400))


def check_note(cell_name: str, plan: work.CheckPlan, T: int, B: int, max_entries: int) -> str:
    """What a reduced gradient check checked, and what the full one would have cost."""
    samples = (t("gr.check_sample_all", B=B) if plan.batch >= B else
               t("gr.check_sample_one") if plan.batch == 1 else
               t("gr.check_sample_first", b=plan.batch, B=B))
    steps = (t("gr.check_steps_all", T=T) if plan.steps >= T
             else t("gr.check_steps_first", t=plan.steps, T=T))
    common = dict(cell=cell_name, e=plan.entries, n=plan.n_tensors, steps=steps,
                  samples=samples, full_e=max_entries, full=duration(plan.full_seconds),
                  limit=duration(work.CHECK_BUDGET_SECONDS))
    if len(plan.tensors) < plan.n_tensors:
        names = ", ".join(f"`{n}`" for n in plan.tensors)
        return t("gr.check_reduced_some", k=len(plan.tensors), names=names, **common)
    return t("gr.check_reduced", **common)
