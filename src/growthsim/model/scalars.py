"""End-of-run scalars of every model of a batch at once, from the batch's stacked member
arrays (replicate ``r``'s people are ``[r*n, (r+1)*n)``, see :mod:`growthsim.kernels.state`).

:func:`batch_scalars` computes ``CommunityModel.scalars()`` for all the models of a batch
with array operations over ``(replicate x person)`` views instead of one set of numpy
calls per model; a single model is a batch of one. Every share is a count divided by a
count (or a sum of whole numbers divided by a count) as the one-model formulas compute it,
so the figures are the same to the last bit. Definitions: ``docs/model.md`` and
:meth:`growthsim.model.community.CommunityModel.scalars`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from growthsim.kernels.state import Members
from growthsim.metrics.health import summary as health_summary
from growthsim.model.membership import ACTIVITY_RETENTION_DAYS, ACTIVITY_RETENTION_WEEKS
from growthsim.vocab import ROLE_VOLUNTEER_ADMIN, SRC_INITIAL

if TYPE_CHECKING:  # pragma: no cover
    from growthsim.model.community import CommunityModel

NAN = float("nan")


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den`` per replicate, NaN where ``den`` is 0."""
    out = np.full(num.shape, NAN)
    np.divide(num, den, out=out, where=den > 0)
    return out


def batch_scalars(models: list["CommunityModel"], mem: Members, n: int) -> list[dict[str, float]]:
    """``scalars()`` of each of ``models`` (one plan's horizon), whose people are ``mem``'s
    arrays laid end to end, ``n`` per model."""
    R = len(models)
    H = models[0].horizon

    def rows(a: np.ndarray) -> np.ndarray:
        return a.reshape(R, n)

    join, leave = rows(mem.join_day), rows(mem.leave_day)
    ever = join >= 0
    n_ever = ever.sum(axis=1)
    cols: dict[str, np.ndarray] = {"members_ever": n_ever}
    # activity concentration: the top share of members' active days (whole numbers)
    acts = np.sort(np.where(ever, rows(mem.active_days), 0), axis=1)[:, ::-1]
    csum = np.cumsum(acts, axis=1, dtype=np.int64)
    total = csum[:, -1]
    for name, top in (("activity_top20_share", 0.20), ("activity_top1_share", 0.01)):
        kth = np.maximum(1, np.ceil(top * n_ever).astype(np.int64))
        cols[name] = _ratio(csum[np.arange(R), np.minimum(kth, n) - 1], total)
    # membership retention: still in the community k days after joining
    for k in (1, 7, 30):
        eligible = ever & (join <= H - 1 - k)
        stay = eligible & ((leave < 0) | (leave > join + k))
        cols[f"retention_d{k}"] = _ratio(stay.sum(axis=1), eligible.sum(axis=1))
    # activity retention (model.membership.activity_retention), the seed members left out
    joined = ever & (rows(mem.source) != SRC_INITIAL)
    bits = rows(mem.early).astype(np.int64, copy=False)

    def share(last_day: int, mask: int) -> np.ndarray:
        eligible = joined & (join <= H - 1 - last_day)
        return _ratio((eligible & ((bits & mask) != 0)).sum(axis=1), eligible.sum(axis=1))

    for day in ACTIVITY_RETENTION_DAYS:
        cols[f"activity_retention_d{day}"] = share(day, 1 << (day - 1))
    for w in ACTIVITY_RETENTION_WEEKS:
        cols[f"activity_retention_w{w}"] = share(7 * w, sum(1 << (a - 1) for a in range(7 * w - 6, 7 * w + 1)))
    # viral cycle: days between a referrer's join and their invitee's (whole numbers)
    ref = rows(mem.referrer)
    rr, ii = np.nonzero((ref >= 0) & ever)
    gaps = join[rr, ii].astype(np.int64) - join[rr, ref[rr, ii]]
    cycle = _ratio(np.bincount(rr, weights=gaps, minlength=R), np.bincount(rr, minlength=R))
    accepted = rows(mem.accepted)
    tail = {
        "inviting_members": (accepted > 0).sum(axis=1),
        "invites_accepted_total": accepted.sum(axis=1),
        "payers_ever": rows(mem.paying).sum(axis=1),
        "vip_members_ever": rows(mem.vip).sum(axis=1),
        "promoted_admins": (rows(mem.role) == ROLE_VOLUNTEER_ADMIN).sum(axis=1),
    }
    out = []
    for r, m in enumerate(models):
        ex = m.ledger.exhausted_day
        one = {name: float(v[r]) for name, v in cols.items()}
        one["budget_exhausted_day"] = NAN if ex is None else float(ex)
        one["viral_cycle_days"] = float(cycle[r])
        one.update({name: float(v[r]) for name, v in tail.items()})
        one["groups_opened"] = float(m.n_groups)
        one.update(health_summary(m))
        out.append(one)
    return out


def scalars_in_batch(model: "CommunityModel") -> dict[str, float]:
    """``model.scalars()`` for a model of a :class:`growthsim.model.batch.CommunityBatch`:
    the whole batch's, computed once per batch day and kept on its day state."""
    b = model._batch
    assert b is not None
    st = b.state
    if st.scalars is None or st.scalars[0] != b.day:
        st.scalars = (b.day, batch_scalars(b.models, st.mem, st.n))
    return dict(st.scalars[1][b.models.index(model)])
