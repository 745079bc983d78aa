"""The app's notifications: plain text, and one toast however often the same notice is raised.

Plain text, because a notice may quote a word, a name or a path from the data, and
Textual would parse ``a[/]b`` in it as markup (and crash) or ``[@click=app.quit]`` as a
button. One toast, because a key refused a thousand times (a paste typed into a full
field) would otherwise stack a thousand toasts, and toasts whose time ran out while the
app was busy made Textual's timers spin.
"""

from __future__ import annotations

import time
from typing import Generic, TypeVar

from textual.app import App
from textual.notifications import SeverityLevel

ReturnType = TypeVar("ReturnType")

NoticeKey = tuple[str, str, str]  # message, title, severity


class CoalescingNotices(App[ReturnType], Generic[ReturnType]):
    """An App whose `notify` (every widget's too) shows plain text, one toast per notice."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # When each notice on screen times out: a repeat before then is dropped.
        self._notice_ends: dict[NoticeKey, float] = {}

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,  # accepted for Textual's signature; never honoured, see above
    ) -> None:
        seconds = self.NOTIFICATION_TIMEOUT if timeout is None else timeout
        now = time.monotonic()
        key = (message, title, severity)
        if self._notice_ends.get(key, 0.0) > now:
            return  # the same notice is still on screen
        self._notice_ends = {k: end for k, end in self._notice_ends.items() if end > now}
        self._notice_ends[key] = now + seconds
        super().notify(message, title=title, severity=severity, timeout=seconds, markup=False)

    def clear_notifications(self) -> None:
        self._notice_ends.clear()
        super().clear_notifications()

    def action_help_quit(self) -> None:
        # Textual's own ctrl+c hint is written in markup, which notices no longer read.
        for key, active in self.active_bindings.items():
            if active.binding.action in ("quit", "app.quit"):
                self.notify(f"Press {key} to quit the app", title="Do you want to quit?")
                return
