"""Durable renames: a folder synced after a file in it was renamed or replaced.

>>> import tempfile, pathlib
>>> fsync_folder(pathlib.Path(tempfile.gettempdir()))   # never raises; a no-op where folders cannot be synced
"""

from __future__ import annotations

import os
from pathlib import Path


def fsync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (where the system lets a folder be opened and synced)."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
