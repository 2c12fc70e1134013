"""Reading every input file within limits: YAML documents, CSV and parquet tables.

Every file the project reads goes through this module, so a file that is too large,
nested too deeply, expands through YAML aliases, or is corrupt is refused quickly and
cleanly: a :class:`growthsim.errors.UserError` naming the file (and the line where known),
what was expected and what was found, before anything is computed or written.

Limits (module constants; each is far above what a real input holds):

=========================== ============== ==================================================
limit                       value          why
=========================== ============== ==================================================
YAML file size              1 MiB          a scenario with every lever is ~20 kB; a calibrated
                                           scenario replaying 10 years of joins ~40 kB
YAML nodes                  50,000         first counted on the parser's event stream (no
                                           tree built; stops at the limit), then again with
                                           every alias expanded on the composed tree: a
                                           "billion laughs" file fails before any Python
                                           object is built, not after a 10^9-element one
YAML nesting depth          64             a scenario is 5 levels deep
errors shown                20             then "... and N more", never megabytes of messages
history / event CSV         64 MiB         ~1 million daily rows; checked before reading
parameter draws CSV         16 MiB, 10,000 rows (calibrate writes bootstrap + 1 <= 201 rows)
edge list                   2 GiB          ~100 million edges
run-folder parquet          1 GiB, 50 million rows each
=========================== ============== ==================================================

Why a subclass of PyYAML's loader rather than another YAML library: PyYAML is already
the project's parser and its C (libyaml) loader composes a node graph in which an alias
is a shared node, so the expanded size and depth can be measured in time linear in the
file *before* any Python objects are built; ruamel.yaml or strictyaml would add a
dependency for the same result.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from growthsim.errors import InputFileError, UserError, located
from growthsim.i18n import _

MiB = 1 << 20
MAX_YAML_BYTES = 1 * MiB
MAX_YAML_NODES = 50_000
MAX_YAML_DEPTH = 64
MAX_ERRORS_SHOWN = 20
MAX_HISTORY_BYTES = 64 * MiB
MAX_HISTORY_ROWS = 1_000_000
MAX_DRAWS_BYTES = 16 * MiB
MAX_DRAWS_ROWS = 10_000
MAX_EDGE_LIST_BYTES = 2048 * MiB
MAX_TABLE_BYTES = 1024 * MiB
MAX_TABLE_ROWS = 50_000_000

_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YamlLimitError(yaml.YAMLError):
    """A YAML document over one of the limits (raised while loading)."""

    def __init__(self, problem: str, line: int | None = None):
        super().__init__(problem)
        self.problem = problem
        self.line = line


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        out: list[yaml.Node] = []
        for k, v in node.value:
            out.append(k)
            out.append(v)
        return out
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def measure_node(root: yaml.Node, max_nodes: int = MAX_YAML_NODES, max_depth: int = MAX_YAML_DEPTH) -> int:
    """Nodes of the document with every alias expanded (what a loader would build),
    computed without expanding: each distinct node is visited once. Raises
    :class:`YamlLimitError` over ``max_nodes`` or ``max_depth`` levels, or on an alias
    to one of its own ancestors (a recursive structure)."""
    size: dict[int, int] = {}
    height: dict[int, int] = {}
    entered: set[int] = set()
    stack: list[tuple[yaml.Node, list[yaml.Node] | None]] = [(root, None)]
    while stack:
        node, kids = stack.pop()
        i = id(node)
        if kids is not None:  # every child done
            s = 1
            h = 0
            for c in kids:
                j = id(c)
                s += size[j]
                if height[j] > h:
                    h = height[j]
            size[i], height[i] = s, h + 1
            if s > max_nodes:
                raise YamlLimitError(
                    f"the document expands to more than {max_nodes:,} values (YAML aliases count "
                    "once per use); expected a smaller file",
                    node.start_mark.line + 1,
                )
            if h + 1 > max_depth:
                raise YamlLimitError(
                    f"nested more than {max_depth} levels deep; expected a flatter document", node.start_mark.line + 1
                )
            continue
        if i in size:
            continue
        entered.add(i)
        kids = _children(node)
        stack.append((node, kids))
        for c in kids:
            j = id(c)
            if j in size:
                continue
            if j in entered:
                raise YamlLimitError(
                    "an alias refers to a mapping or list that contains it (a recursive "
                    "structure); expected plain data",
                    c.start_mark.line + 1,
                )
            stack.append((c, None))
    return size[id(root)]


class BoundedLoader(_BaseLoader):
    """``yaml.SafeLoader`` semantics (the C loader where available), refusing documents
    that expand beyond :data:`MAX_YAML_NODES` values through aliases or nest beyond
    :data:`MAX_YAML_DEPTH` levels, before any Python object is built."""

    max_nodes = MAX_YAML_NODES
    max_depth = MAX_YAML_DEPTH

    def get_single_node(self) -> yaml.Node | None:  # noqa: D102
        try:
            node = super().get_single_node()
        except RecursionError:  # the pure-Python composer recurses per level
            raise YamlLimitError(
                f"nested more than {self.max_depth} levels deep; expected a flatter document"
            ) from None
        if node is not None:
            measure_node(node, self.max_nodes, self.max_depth)
        return node


def line_map(node: yaml.Node | None) -> dict[tuple, int]:
    """Map each key path of a composed YAML document to its 1-based line.

    Iterative, and each node is entered once: a path reached through an alias is not
    mapped again (errors there point at the alias' parent), so aliases cost nothing."""
    out: dict[tuple, int] = {}
    if node is None:
        return out
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, tuple]] = [(node, ())]
    while stack:
        n, prefix = stack.pop()
        out.setdefault(prefix, n.start_mark.line + 1)
        if id(n) in seen:
            continue
        seen.add(id(n))
        if isinstance(n, yaml.MappingNode):
            for k, v in n.value:
                key = k.value if isinstance(k, yaml.ScalarNode) else str(k.start_mark.line + 1)
                out[prefix + (key,)] = k.start_mark.line + 1
                stack.append((v, prefix + (key,)))
        elif isinstance(n, yaml.SequenceNode):
            for i, v in enumerate(n.value):
                out[prefix + (str(i),)] = v.start_mark.line + 1
                stack.append((v, prefix + (str(i),)))
    return out


def check_file(path: str | Path, max_bytes: int, kind: str = "input", error: type[UserError] = InputFileError) -> int:
    """Refuse a missing path, a folder, or a file over ``max_bytes``; return its size."""
    p = Path(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise error(located(str(p), None, None, _("{kind} file not found").format(kind=kind))) from None
    except OSError as exc:
        raise error(located(str(p), None, None, _("cannot read: {strerror}").format(strerror=exc.strerror))) from None
    if p.is_dir():
        raise error(located(str(p), None, None, f"is a directory, expected a {kind} file"))
    if st.st_size > max_bytes:
        raise error(
            located(
                str(p),
                None,
                None,
                _("the file is {value}; expected a {kind} file of at most {value2}").format(
                    value=_size(st.st_size), kind=kind, value2=_size(max_bytes)
                ),
            )
        )
    return int(st.st_size)


def _size(n: int) -> str:
    if n >= MiB:
        return f"{n / MiB:,.1f} MiB"
    if n >= 1024:
        return f"{n / 1024:,.1f} KiB"
    return f"{n} bytes"


def prescan(text: str, max_nodes: int = MAX_YAML_NODES, max_depth: int = MAX_YAML_DEPTH) -> None:
    """Walk the parser's events (no tree is built) and stop at the first limit passed:
    more than ``max_nodes`` scalars and collections, or deeper than ``max_depth``."""
    parser = _BaseLoader(text)
    try:
        nodes = depth = 0
        while parser.check_event():
            ev = parser.get_event()
            if isinstance(ev, (yaml.ScalarEvent, yaml.AliasEvent, yaml.CollectionStartEvent)):
                nodes += 1
                if nodes > max_nodes:
                    raise YamlLimitError(
                        f"more than {max_nodes:,} values; expected a smaller document", ev.start_mark.line + 1
                    )
            if isinstance(ev, yaml.CollectionStartEvent):
                depth += 1
                if depth > max_depth:
                    raise YamlLimitError(
                        f"nested more than {max_depth} levels deep; expected a flatter document", ev.start_mark.line + 1
                    )
            elif isinstance(ev, yaml.CollectionEndEvent):
                depth -= 1
    finally:
        parser.dispose()


def parse_yaml(text: str, file: str | None, error: type[UserError] = InputFileError) -> tuple[Any, yaml.Node | None]:
    """Parse one YAML document within the limits; return (data, node)."""
    loader = BoundedLoader(text)
    try:
        prescan(text, loader.max_nodes, loader.max_depth)
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except YamlLimitError as exc:
        raise error(located(file, exc.line, None, _("not accepted: {problem}").format(problem=exc.problem))) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise error(located(file, line, None, _("not valid YAML: {problem}").format(problem=problem))) from None
    except RecursionError:
        raise error(
            located(
                file,
                None,
                None,
                _("not accepted: nested more than {MAX_YAML_DEPTH} levels deep").format(MAX_YAML_DEPTH=MAX_YAML_DEPTH),
            )
        ) from None
    finally:
        loader.dispose()
    return data, node


def read_yaml_mapping(
    path: str | Path,
    kind: str = "scenario",
    error: type[UserError] = InputFileError,
    max_bytes: int = MAX_YAML_BYTES,
    not_found: str | None = None,
) -> tuple[dict[str, Any], dict[tuple, int]]:
    """Read a YAML file holding one mapping (the one loader of every YAML file the project
    reads); return it with its line map. ``kind`` names the document in messages
    ("scenario", "experiment", "calibration spec", ...)."""
    p = Path(path)
    f = str(p)
    try:
        check_file(p, max_bytes, "YAML", error)
    except UserError as exc:
        if not_found and "file not found" in str(exc):
            raise error(located(f, None, None, not_found)) from None
        raise
    try:
        raw = p.read_bytes()
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error(
            located(
                f,
                None,
                None,
                _("not a UTF-8 text file ({reason} at byte {start})").format(reason=exc.reason, start=exc.start),
            )
        ) from None
    except OSError as exc:
        raise error(located(f, None, None, _("cannot read: {strerror}").format(strerror=exc.strerror))) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    data, node = parse_yaml(text, f, error)
    if data is None:
        raise error(
            located(
                f,
                None,
                None,
                _("file is empty, expected {article} {kind} mapping").format(article=_article(kind), kind=kind),
            )
        )
    if not isinstance(data, dict):
        raise error(
            located(
                f,
                1,
                None,
                _("expected a mapping of {kind} fields, found {found}").format(kind=kind, found=type(data).__name__),
            )
        )
    return data, line_map(node)


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


def join_errors(lines: list[str], limit: int = MAX_ERRORS_SHOWN, total: int | None = None) -> str:
    """At most ``limit`` error lines, then a count of the rest."""
    total = len(lines) if total is None else total
    shown = lines[:limit]
    if total > len(shown):
        shown.append(f"... and {total - len(shown):,} more errors")
    return "\n".join(shown)


# --------------------------------------------------------------------------- tables


def read_parquet_file(
    path: str | Path,
    kind: str = "table",
    columns: Iterable[str] = (),
    max_bytes: int = MAX_TABLE_BYTES,
    max_rows: int = MAX_TABLE_ROWS,
    error: type[UserError] = InputFileError,
) -> Any:
    """Read a parquet file (a run folder's or a sweep's table) within size and row limits,
    refusing a truncated or corrupt file and one lacking a required column."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    f = str(path)
    check_file(path, max_bytes, kind, error)
    try:
        pf = pq.ParquetFile(f)
        n = pf.metadata.num_rows
        if n > max_rows:
            raise error(
                located(
                    f, None, None, _("holds {n:,} rows; expected at most {max_rows:,}").format(n=n, max_rows=max_rows)
                )
            )
        names = set(pf.schema_arrow.names)
        missing = [c for c in columns if c not in names]
        if missing:
            raise error(
                located(
                    f,
                    None,
                    ", ".join(missing),
                    _("required column missing; expected a {kind} with columns {value}, found {value2}").format(
                        kind=kind, value=", ".join(columns), value2=", ".join(sorted(names)) or "none"
                    ),
                )
            )
        df = pf.read().to_pandas()
    except UserError:
        raise
    except (pa.ArrowException, OSError, ValueError, TypeError, MemoryError) as exc:
        text = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise error(
            located(
                f,
                None,
                None,
                _("not a readable parquet {kind} (truncated or corrupt?): {text}").format(kind=kind, text=text),
            )
        ) from None
    return pd.DataFrame(df)


def environment_umask() -> int:
    """The process umask (read without changing it for longer than a call)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask
