"""Experiment files: validation errors, design expansion, run seeds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from growthsim.errors import UserError
from growthsim.experiments.design import expand, expected_points, run_seed, run_table
from growthsim.experiments.schema import load_experiment
from growthsim.experiments.sweep import plan_sweep, run_sweep

TINY = """\
name: tiny
seed: 7
horizon_days: 20
replicates: 2
market: {size: 300, graph: {model: watts_strogatz, mean_degree: 8}}
members: {initial: 20}
staff:
  part_time_admin: {count: 1, salary_per_month: 800}
campaigns:
  invite_reward: {reward: 8}
"""


def write(tmp: Path, body: str, name: str = "exp.yaml") -> Path:
    (tmp / "tiny.yaml").write_text(TINY)
    p = tmp / name
    p.write_text(body)
    return p


BASE = """\
name: t
scenario: tiny.yaml
factors:
  campaigns.invite_reward.reward: {low: 0, high: 20, levels: 3}
  staff.part_time_admin.count: {values: [0, 2]}
design: {type: grid}
replicates: 2
seed: 5
"""


def test_grid_expansion(tmp_path: Path) -> None:
    exp = load_experiment(write(tmp_path, BASE))
    d = expand(exp)
    assert expected_points(exp) == d.n_points == 6
    assert sorted(set(d.points["campaigns.invite_reward.reward"])) == [0.0, 10.0, 20.0]
    assert sorted(set(d.points["staff.part_time_admin.count"])) == [0, 2]
    assert d.points["staff.part_time_admin.count"].dtype == np.int64
    # every combination once
    assert len(d.points.drop_duplicates(exp.factor_names)) == 6
    runs = run_table(exp, d)
    assert list(runs["run"]) == list(range(12))
    assert list(runs["point"]) == [p for p in range(6) for _ in range(2)]


def test_seeds_follow_seedsequence_and_differ(tmp_path: Path) -> None:
    exp = load_experiment(write(tmp_path, BASE))
    runs = run_table(exp, expand(exp))
    want = int(np.random.SeedSequence(5, spawn_key=(3, 1)).generate_state(1, np.uint64)[0]) & (2**63 - 1)
    assert run_seed(5, 3, 1) == want
    assert int(runs.loc[(runs.point == 3) & (runs.replicate == 1), "seed"].iloc[0]) == want
    assert runs["seed"].nunique() == len(runs)
    assert (runs["seed"] >= 0).all()


def test_lhs_sobol_morris_oat_sizes_and_ranges(tmp_path: Path) -> None:
    body = """\
name: t
scenario: tiny.yaml
factors:
  members.referral.invite_prob: {low: 0.001, high: 0.05}
  staff.part_time_admin.count: {low: 0, high: 4}
  members.churn.base_hazard: {values: [0.005, 0.01, 0.02]}
design: {type: lhs, n: 20}
"""
    exp = load_experiment(write(tmp_path, body))
    d = expand(exp)
    assert d.n_points == 20
    # Latin hypercube: each of 20 equal strata of the float range holds exactly one sample
    x = d.points["members.referral.invite_prob"].to_numpy()
    strata = np.floor((x - 0.001) / (0.049 / 20)).astype(int)
    assert sorted(np.clip(strata, 0, 19)) == list(range(20))
    assert set(d.points["staff.part_time_admin.count"]) <= {0, 1, 2, 3, 4}
    assert set(d.points["members.churn.base_hazard"]) <= {0.005, 0.01, 0.02}
    # same seed, same design
    assert expand(exp).points.equals(d.points)

    for design, n_points in (
        ("{type: sobol, n: 8}", 8 * (3 + 2)),
        ("{type: sobol, n: 8, calc_second_order: true}", 8 * (2 * 3 + 2)),
        ("{type: morris, n: 4}", 4 * (3 + 1)),
        ("{type: oat}", 2 * 3 + 1),
    ):
        e = load_experiment(write(tmp_path, body.replace("{type: lhs, n: 20}", design)))
        dd = expand(e)
        assert dd.n_points == expected_points(e) == n_points, design
        assert dd.points["members.referral.invite_prob"].between(0.001, 0.05).all()
    oat = expand(load_experiment(write(tmp_path, body.replace("{type: lhs, n: 20}", "{type: oat}"))))
    base = oat.points.iloc[0]
    assert base["members.referral.invite_prob"] == 0.01  # the scenario's own value
    assert oat.points.iloc[1]["members.referral.invite_prob"] == 0.001
    assert oat.points.iloc[2]["members.referral.invite_prob"] == 0.05
    assert oat.points.iloc[2]["staff.part_time_admin.count"] == base["staff.part_time_admin.count"]


@pytest.mark.parametrize(
    "change, needle",
    [
        # a misspelt key names its line
        (("seed: 5", "seeed: 5"), ["exp.yaml:8", "seeed", "unknown key"]),
        # a factor path that is not in the scenario
        (
            ("staff.part_time_admin.count:", "staff.full_time_admin.count:"),
            ["exp.yaml:5", "factors.staff.full_time_admin.count", "does not exist", "part_time_admin"],
        ),
        # a range end the schema refuses: expected vs found
        (
            ("{low: 0, high: 20, levels: 3}", "{low: -5, high: 20, levels: 3}"),
            [
                "exp.yaml:4",
                "factors.campaigns.invite_reward.reward",
                "low = -5.0",
                "greater than or equal to 0",
                "found -5.0",
            ],
        ),
        # a float range on an integer field
        (("{values: [0, 2]}", "{low: 0.5, high: 3.5}"), ["exp.yaml:5", "integer"]),
        # a list value the schema refuses
        (("{values: [0, 2]}", "{values: [0, -2]}"), ["values[1] = -2", "greater than or equal to 0"]),
        # ranges need low < high
        (("{low: 0, high: 20, levels: 3}", "{low: 20, high: 0}"), ["exp.yaml:4", "must be greater than low"]),
        # sobol needs a power of two
        (("{type: grid}", "{type: sobol, n: 10}"), ["exp.yaml:6", "power of 2", "found"]),
        (("scenario: tiny.yaml", "scenario: nowhere.yaml"), ["exp.yaml:2", "scenario file not found"]),
    ],
)
def test_validation_errors(tmp_path: Path, change: tuple[str, str], needle: list[str]) -> None:
    body = BASE.replace(*change)
    assert body != BASE
    with pytest.raises(UserError) as err:
        load_experiment(write(tmp_path, body))
    msg = str(err.value)
    for n in needle:
        assert n in msg, (n, msg)


def test_unknown_kpi_and_series_are_errors(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="unknown KPI 'members_at_end'"):
        load_experiment(write(tmp_path, BASE + "outputs: {kpis: [members_final, members_at_end]}\n"))
    with pytest.raises(UserError, match="unknown daily series 'membrs'"):
        load_experiment(write(tmp_path, BASE + "outputs: {series: [membrs]}\n"))


def test_max_runs_guard_stops_before_running(tmp_path: Path) -> None:
    exp = load_experiment(write(tmp_path, BASE + "max_runs: 10\n"))

    def must_not_run(*a, **k):  # pragma: no cover - the guard must stop first
        raise AssertionError("a run started")

    with pytest.raises(UserError, match=r"gives 12 runs \(6 points x 2 replicates\), more than max_runs = 10"):
        run_sweep(exp, workers=0, out=tmp_path / "o", run_fn=must_not_run)
    assert not (tmp_path / "o").exists()
    assert plan_sweep(exp, yes=True).n_runs == 12


def test_common_random_numbers_share_seeds_across_points(tmp_path: Path) -> None:
    exp = load_experiment(write(tmp_path, BASE + "common_random_numbers: true\n"))
    runs = run_table(exp, expand(exp))
    per_rep = runs.groupby("replicate")["seed"].nunique()
    assert (per_rep == 1).all()  # every point's replicate r has the same seed
    assert runs.loc[runs.replicate == 1, "seed"].iloc[0] == run_seed(5, 0, 1)
    assert runs["seed"].nunique() == 2
