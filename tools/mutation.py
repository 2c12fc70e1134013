"""Mutation testing of the ledger, the levers and the kernels with mutmut 3 (an occasional
check, not part of CI: see ``docs/testing.md`` for the commands and the last results).

    python tools/mutation.py ledger|levers|kernels [mutmut run arguments, e.g. mutant names]
    python tools/mutation.py results          # mutmut's per-mutant results of the last runs

Each target mutates one module and runs the test subset that exercises it (mutmut
re-runs, per mutant, only the tests that call the mutated function):

- ``ledger``: ``model/ledger.py`` against ``tests/test_ledger.py`` and ``tests/test_recomputed.py``;
- ``levers``: ``model/levers.py`` against ``tests/test_levers.py``, ``tests/test_recomputed.py``
  and ``tests/test_ledger.py``;
- ``kernels``: ``kernels/daily.py`` against ``tests/test_recomputed.py`` and the fast engine
  tests, with ``NUMBA_DISABLE_JIT=1``.

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
        ["tests/test_recomputed.py", "tests/test_engine.py::test_counts_are_consistent",
         "tests/test_engine.py::test_roster_is_exactly_the_placed_members_in_ascending_order",
         "tests/test_engine.py::test_group_sizes_match_members", "tests/test_engine.py::test_max_groups_caps_joins"],
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
            "pytest_add_cli_args": ["-p", "no:cacheprovider", "-q"],
        }
        return lambda key, default: values[key] if key in values else s(key, default)

    configuration._config_reader = config_reader
    from mutmut.__main__ import cli

    module = mutate[0].removeprefix("src/").removesuffix(".py").replace("/", ".")
    names = rest or [f"{module}.*"]
    sys.argv = ["mutmut", "run", "--max-children", os.environ.get("MUTATION_JOBS", "2"), *names]
    cli()


if __name__ == "__main__":
    main(sys.argv[1:])
