"""Mutation testing of the ledger, the levers and the kernels with mutmut 3 (an occasional
check, not part of CI: see ``docs/testing.md`` for the commands and the last results).

    python tools/mutation.py ledger|levers|kernels [mutmut run arguments, e.g. mutant names]
    python tools/mutation.py kernels --sample 30 --seed 1   # a random sample of the mutants
    python tools/mutation.py results          # mutmut's per-mutant results of the last runs

Each target mutates one module and runs the test subset that exercises it (mutmut
re-runs, per mutant, only the tests that call the mutated function):

- ``ledger``: ``model/ledger.py`` against ``tests/test_ledger.py`` and ``tests/test_recomputed.py``;
- ``levers``: ``model/levers.py`` against ``tests/test_levers.py``, ``tests/test_recomputed.py``
  and ``tests/test_ledger.py``;
- ``kernels``: ``kernels/daily.py`` against ``tests/test_recomputed.py``, one engine test and
  the pass-by-pass checks of ``tests/test_kernel_mutants.py``, with ``NUMBA_DISABLE_JIT=1``.

Two adaptations for the numba kernels: mutmut leaves decorated functions alone (a
decorator may have side effects), which would skip every ``@njit`` kernel; here functions
whose only decorators are ``njit`` calls are mutated too. And the tests must run the
mutated Python source, not a compiled (or cached) copy of the original, so the kernels run
as plain Python (``NUMBA_DISABLE_JIT=1``, where ``njit`` returns the function unchanged):
slow, hence the small test subset.
"""

from __future__ import annotations

import os
import sys

TARGETS = {
    "ledger": (["src/growthsim/model/ledger.py"], ["tests/test_ledger.py", "tests/test_recomputed.py"], False),
    "levers": (
        ["src/growthsim/model/levers.py"],
        ["tests/test_levers.py", "tests/test_recomputed.py", "tests/test_ledger.py"],
        False,
    ),
    "kernels": (
        ["src/growthsim/kernels/daily.py"],
        # pure-Python kernels are ~50x slower: the recomputation tests, without the one that
        # hashes every churn draw of the run in Python
        [
            "tests/test_recomputed.py::test_daily_counters_recomputed_from_member_records",
            "tests/test_recomputed.py::test_every_accepted_invitation_is_credited_to_its_referrer",
            "tests/test_recomputed.py::test_checkin_rewards_per_day_from_each_members_run_of_active_days",
            "tests/test_recomputed.py::test_vip_churn_multiplier_paired_runs_with_the_same_vips",
            "tests/test_engine.py::test_max_groups_caps_joins",
            # each pass on a tiny hand-built state, rule by rule (milliseconds as Python)
            "tests/test_kernel_mutants.py",
        ],
        True,
    ),
}


def _allow_njit_functions() -> None:
    import libcst as cst
    from mutmut.mutation import file_mutation as fm

    def only_njit(node) -> bool:
        def is_njit(d) -> bool:
            e = d.decorator.func if isinstance(d.decorator, cst.Call) else d.decorator
            return isinstance(e, cst.Name) and e.value == "njit"

        return isinstance(node, cst.FunctionDef) and bool(node.decorators) and all(is_njit(d) for d in node.decorators)

    for name in dir(fm):
        obj = getattr(fm, name)
        if isinstance(obj, type) and hasattr(obj, "_skip_node_and_children"):
            original = obj._skip_node_and_children

            def patched(self, node, _orig=original):
                if only_njit(node):
                    # keep the other reasons to skip (e.g. complex default arguments)
                    bare = node.with_changes(decorators=[])
                    return _orig(self, bare)
                return _orig(self, node)

            obj._skip_node_and_children = patched


def _sample(path: str, n: int, seed: int) -> list[str]:
    """Generate the mutants of ``path`` (as ``mutmut run`` does first) and draw ``n`` of
    them at random (``seed``): a survival rate with a stated sampling error for modules
    whose full run would take hours."""
    import json
    import random
    from os import makedirs

    from mutmut import __main__ as mm

    mm.set_mutant_under_test("mutant_generation")
    makedirs("mutants", exist_ok=True)
    mm.copy_src_dir()
    mm.copy_also_copy_files()
    mm.setup_source_paths()
    mm.create_mutants(1)
    with open(f"mutants/{path}.meta", encoding="utf-8") as f:
        keys = sorted(json.load(f)["exit_code_by_key"])
    picked = sorted(random.Random(seed).sample(keys, min(n, len(keys))))
    print(f"{len(picked)} of {len(keys)} mutants of {path} (seed {seed})")
    return picked


def main(argv: list[str]) -> None:
    from mutmut import configuration

    if not argv or argv[0] not in (*TARGETS, "results"):
        sys.exit(__doc__)
    target, rest = argv[0], argv[1:]
    if target == "results":
        from mutmut.__main__ import cli

        sys.argv = ["mutmut", "results", *rest]
        cli()
        return
    mutate, tests, no_jit = TARGETS[target]
    if no_jit:
        os.environ["NUMBA_DISABLE_JIT"] = "1"
        _allow_njit_functions()
    reader = configuration._config_reader

    def config_reader():
        s = reader()
        values = {
            "source_paths": ["src"],
            "only_mutate": mutate,
            "pytest_add_cli_args_test_selection": tests,
            "pytest_add_cli_args": ["-p", "no:cacheprovider", "-q", "-n", "0"],
        }
        return lambda key, default: values[key] if key in values else s(key, default)

    configuration._config_reader = config_reader
    from mutmut.__main__ import cli

    for path in mutate:  # a plain copy left by another target's run is not a mutated file
        if os.path.exists(f"mutants/{path}") and not os.path.exists(f"mutants/{path}.meta"):
            os.remove(f"mutants/{path}")
    module = mutate[0].removeprefix("src/").removesuffix(".py").replace("/", ".")
    names = rest or [f"{module}.*"]
    if rest[:1] == ["--sample"]:
        names = _sample(mutate[0], int(rest[1]), int(rest[3]) if rest[2:3] == ["--seed"] else 1)
    sys.argv = ["mutmut", "run", "--max-children", os.environ.get("MUTATION_JOBS", "2"), *names]
    cli()


if __name__ == "__main__":
    main(sys.argv[1:])
