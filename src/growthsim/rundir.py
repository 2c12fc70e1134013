"""Output folders that cannot mislead: checked before any work, committed as a whole.

Every command that writes a folder (``run``, ``compare``, ``calibrate``, ``forecast``)
goes through :class:`RunFolder`:

1. **Before anything runs** the ``--out`` path is checked: a path below a regular file,
   a folder that cannot be written, or an existing non-empty folder (without
   ``--force``) is a :class:`~growthsim.errors.UserError` (exit 2), so no simulation
   runs only to fail at the end. The staging folder ``.<name>.partial`` beside the
   target is created then (a stale one from a killed command is removed first).
2. The command writes its files into the staging folder. The data files end with
   ``run-manifest.json`` (:data:`MANIFEST`): every file's name, size and sha256,
   written last, so a folder with a manifest is complete.
3. **Commit**: the staging folder is renamed to the target as a whole (``--force``
   first moves the old folder aside and deletes it afterwards), so a folder never mixes
   the files of two runs; a kill leaves at most a hidden ``.<name>.partial`` or
   ``.<name>.old-<pid>`` folder, which holds no manifest at the target's name and is
   removed by the next command writing there.

Readers (``report``, ``forecast``) call :func:`check_manifest`: a listed file that is
missing, of another size or another checksum is an error naming it.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

from growthsim.errors import UserError, located
from growthsim.i18n import _

MANIFEST = "run-manifest.json"
MANIFEST_FORMAT = "growthsim run folder"
# Files a reader may rebuild in place (``growthsim report``): not listed in the manifest.
DERIVED = ("kpis.json", "report.html", "charts")


def slug(text: str) -> str:
    """A file-name-safe form of a plan name (``"Spring promo/2"`` -> ``"Spring-promo-2"``)."""
    s = re.sub(r"[\s/\\:*?\"<>|\x00-\x1f\x7f]+", "-", text.strip()).strip("-.")
    return s[:100] or "scenario"


def default_run_dir(name: str, kind: str | None = None) -> Path:
    """``runs/[<kind>-]<slug>-<timestamp>``."""
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return Path("runs") / f"{(kind + '-') if kind else ''}{slug(name)}-{stamp}"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _listed(folder: Path) -> list[Path]:
    out = []
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder)
        if not p.is_file() or rel.parts[0] in DERIVED or rel.name == MANIFEST or rel.name.startswith("."):
            continue
        out.append(rel)
    return out


def write_manifest(folder: str | Path, extra: dict[str, Any] | None = None) -> Path:
    """Write ``run-manifest.json`` listing every file in ``folder`` (but derived report
    files) with its size and sha256. Written last: its presence marks a complete folder."""
    from growthsim.io import atomic_write_text

    folder = Path(folder)
    files = {
        str(rel.as_posix()): {"bytes": (folder / rel).stat().st_size, "sha256": _sha256(folder / rel)}
        for rel in _listed(folder)
    }
    doc = {"format": MANIFEST_FORMAT, "version": 1, "files": files, **(extra or {})}
    return atomic_write_text(folder / MANIFEST, json.dumps(doc, indent=2, sort_keys=True) + "\n")


def check_manifest(
    folder: str | Path, required: bool = True, only: tuple[str, ...] | None = None
) -> dict[str, Any] | None:
    """Check a folder against its manifest; return the manifest (None when absent and not
    ``required``). Raises UserError naming the first file that is missing or changed
    (among ``only``, when given: files a user may edit on purpose are left out)."""
    from growthsim.inputs import check_file

    folder = Path(folder)
    mf = folder / MANIFEST
    if not mf.is_file():
        if not required:
            return None
        raise UserError(
            located(
                str(folder),
                None,
                None,
                _(
                    "no {MANIFEST}: not a complete growthsim run folder (a command killed before it finished, or written by an older growthsim); run the command again"
                ).format(MANIFEST=MANIFEST),
            )
        )
    check_file(mf, 16 << 20, "manifest")
    try:
        doc = json.loads(mf.read_text(encoding="utf-8"))
        files = doc["files"]
        if doc.get("format") != MANIFEST_FORMAT or not isinstance(files, dict):
            raise ValueError(_("not a run manifest"))
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise UserError(
            located(str(mf), None, None, _("not a readable run manifest ({exc})").format(exc=exc))
        ) from None
    for name, info in files.items():
        if only is not None and name not in only:
            continue
        p = folder / name
        if ".." in Path(name).parts or Path(name).is_absolute():
            raise UserError(located(str(mf), None, f"files.{name}", _("expected a path inside the folder")))
        if not p.is_file() and only is not None:
            continue  # the reader decides what a missing sidecar means
        if not p.is_file():
            raise UserError(
                located(
                    str(p),
                    None,
                    None,
                    _("listed in {MANIFEST} but missing; the folder is incomplete").format(MANIFEST=MANIFEST),
                )
            )
        size = p.stat().st_size
        if size != info.get("bytes"):
            raise UserError(
                located(
                    str(p),
                    None,
                    None,
                    _("changed since it was written: expected {value} bytes ({MANIFEST}), found {size}").format(
                        value=info.get("bytes"), MANIFEST=MANIFEST, size=size
                    ),
                )
            )
        if _sha256(p) != info.get("sha256"):
            raise UserError(
                located(
                    str(p),
                    None,
                    None,
                    _("changed since it was written: its sha256 differs from {MANIFEST}").format(MANIFEST=MANIFEST),
                )
            )
    return doc


class RunFolder:
    """The output folder of one command (see the module doc).

    ``RunFolder(out, force)`` checks ``out`` and creates the staging folder at once (call
    it before any work); ``with folder as tmp:`` yields the staging folder, commits it to
    ``out`` when the block succeeds and removes it when the block fails or is interrupted.
    """

    def __init__(self, out: str | Path, force: bool = False, option: str = "--out"):
        self.out = Path(out)
        self.force = force
        self.option = option
        self.dir = self.out.parent / f".{self.out.name}.partial"
        self._check()
        self._make_staging()

    def _fail(self, message: str) -> UserError:
        return UserError(located(str(self.out), None, self.option, message))

    def _check(self) -> None:
        out = self.out
        for parent in [out, *out.parents]:
            if parent.exists() and not parent.is_dir():
                if parent == out:
                    raise self._fail("exists and is not a folder")
                raise self._fail(f"{parent} is a file, not a folder")
            if parent.exists():
                break
        if out.is_dir() and any(out.iterdir()) and not self.force:
            raise self._fail(
                "the folder exists and is not empty; pass --force to replace it as a whole, or choose another --out"
            )
        # the staging folder goes beside the target: the nearest existing folder above
        # it must be writable
        probe = next((p for p in out.absolute().parents if p.exists()), Path("."))
        if not os.access(probe, os.W_OK | os.X_OK):
            raise self._fail(f"cannot write in {probe} (permission denied)")

    def _make_staging(self) -> None:
        try:
            if self.dir.exists():
                shutil.rmtree(self.dir)
            self.dir.mkdir(parents=True)
        except OSError as exc:
            raise self._fail(f"cannot create the output folder ({exc.strerror or exc})") from None

    def __enter__(self) -> Path:
        if not self.dir.is_dir():
            self._make_staging()
        return self.dir

    def __exit__(self, exc_type, exc, tb) -> None:  # noqa: ANN001
        if exc_type is not None:
            self.abort()
            return
        self.commit()

    def abort(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)

    def commit(self) -> Path:
        """Write the manifest (when the command has not) and move the folder into place."""
        if not (self.dir / MANIFEST).exists():
            write_manifest(self.dir)
        old = None
        if self.out.exists():
            if any(self.out.iterdir()):
                old = self.out.parent / f".{self.out.name}.old-{os.getpid()}"
                if old.exists():
                    shutil.rmtree(old)
                self.out.rename(old)
            else:
                self.out.rmdir()
        self.dir.rename(self.out)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        return self.out
