"""Noticing saves: a watchdog observer on the exercises folder, or polling where events are unavailable.

The folder is watched (not single files), so editors that save by rename or
by delete-and-create (vim, JetBrains, VS Code) are seen; their swap, backup
and temporary files are ignored.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

POLL_INTERVAL = 0.3
_WATCHED_EVENTS = {"created", "modified", "moved", "deleted", "closed"}
_IGNORED_SUFFIXES = (".swp", ".swo", ".swx", ".tmp", ".bak", "~", "___jb_tmp___", "___jb_old___", ".orig", ".pyc")


def is_editor_noise(path: str) -> bool:
    """Swap, backup and temp files editors write beside the real one."""
    name = os.path.basename(path)
    return (
        not name
        or name.startswith((".", "#"))
        or name.endswith(_IGNORED_SUFFIXES)
        or name == "4913"  # vim's write-permission probe
        or "__pycache__" in Path(path).parts
    )


def start_observer(folder: Path, on_path: Callable[[str], None], force_poll: bool):
    """Start a watchdog observer on `folder`; fall back to polling if events are unavailable.

    Returns (observer, notice) where notice explains a fallback, or is empty.
    """
    from watchdog.events import FileSystemEventHandler
    from watchdog.observers import Observer
    from watchdog.observers.polling import PollingObserver

    class Handler(FileSystemEventHandler):
        def on_any_event(self, event) -> None:
            if event.is_directory or event.event_type not in _WATCHED_EVENTS:
                return
            for path in (getattr(event, "dest_path", ""), event.src_path):
                if path and not is_editor_noise(os.fsdecode(path)):
                    on_path(os.fsdecode(path))

    notice = ""
    if not force_poll:
        observer = Observer()
        try:
            observer.schedule(Handler(), str(folder), recursive=True)
            observer.start()
            return observer, notice
        except OSError as exc:
            notice = f"File-system events are unavailable ({exc}); polling for changes every {POLL_INTERVAL} s instead."
            try:
                observer.stop()
            except Exception:  # noqa: BLE001 - it never started
                pass
    observer = PollingObserver(timeout=POLL_INTERVAL)
    observer.schedule(Handler(), str(folder), recursive=True)
    observer.start()
    return observer, notice or ("Polling for changes (--poll)." if force_poll else "")
