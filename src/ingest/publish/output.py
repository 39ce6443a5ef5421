"""Site folder output: {relative path: bytes} -> the folder, replaced atomically, only when something changed.

`write_site(out, files)` compares the files' SHA-256 with `out/manifest.json` (written by the last
build). Nothing changed: nothing is touched. Otherwise the new tree is staged in a sibling folder
(unchanged files hard-linked from the current one, so their inode and mtime survive and sync tools
skip them), then swapped in with one `renameat2(RENAME_EXCHANGE)` on Linux (readers see the old
complete folder or the new complete one, never a mix); elsewhere two renames (the folder is absent
for an instant). The folder belongs to the site: files the builder did not write are dropped, and a
non-empty folder without our manifest is refused (ConfigError) rather than replaced. Leftover
staging folders of a killed build are removed by the next one.
"""

from __future__ import annotations

import ctypes
import errno
import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ingest.errors import ConfigError

MANIFEST = "manifest.json"
AT_FDCWD = -100
RENAME_EXCHANGE = 2


@dataclass
class WriteResult:
    out: Path
    changed: list[str] = field(default_factory=list)  # written (new or different)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0

    @property
    def written(self) -> bool:
        return bool(self.changed or self.removed)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_manifest(out: Path) -> dict[str, str] | None:
    """path -> sha256 of the last build, or None when `out` holds no manifest of ours."""
    try:
        data = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    files = data.get("files") if isinstance(data, dict) else None
    return {str(k): str(v) for k, v in files.items()} if isinstance(files, dict) else None


def write_site(out: Path, files: dict[str, bytes]) -> WriteResult:
    """Replace `out` with exactly `files` (plus the manifest) when any file differs; else do nothing."""
    out = out.expanduser().absolute()
    manifest = {path: sha256(data) for path, data in sorted(files.items())}
    old = read_manifest(out)
    if old is None and out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ConfigError(
            f"{out} is not empty and was not written by `ingest publish site`; choose another folder"
        )
    old = old or {}
    changed = [p for p, h in manifest.items() if old.get(p) != h or not (out / p).is_file()]
    result = WriteResult(out, changed, sorted(set(old) - set(manifest)), len(manifest) - len(changed))
    if not result.written and out.is_dir():
        return result
    out.parent.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(out)
    stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        for path, data in files.items():
            _place(stage / path, out / path, data, fresh=path in changed)
        body = {"files": manifest}
        (stage / MANIFEST).write_text(json.dumps(body, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        os.chmod(stage, 0o755)
        _swap(stage, out)
    finally:
        if stage.exists():
            shutil.rmtree(stage)
    return result


def _place(dst: Path, current: Path, data: bytes, *, fresh: bool) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    if not fresh:
        try:
            os.link(current, dst)
            return
        except OSError:
            pass
    dst.write_bytes(data)


def _swap(stage: Path, out: Path) -> None:
    """Put `stage` at `out`; afterwards `stage` holds the previous folder (or nothing)."""
    if not out.exists():
        os.rename(stage, out)
        return
    if _exchange(stage, out):
        return
    aside = out.with_name(f".{out.name}.old-{os.getpid()}")
    os.rename(out, aside)
    os.rename(stage, out)
    os.rename(aside, stage)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically exchange two paths (Linux renameat2); False where unsupported."""
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    rc = fn(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE)
    if rc == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def _remove_leftovers(out: Path) -> None:
    for pattern in (f".{out.name}.tmp-*", f".{out.name}.old-*"):
        for stale in out.parent.glob(pattern):
            if stale.is_dir():
                shutil.rmtree(stale, ignore_errors=True)
