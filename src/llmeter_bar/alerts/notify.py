"""Delivering an alert: the user's command, else ``notify-send``.

Delivery runs in a process that records data and is nobody's pipe: the detached
background refresher, ``refresh`` or ``ingest``. A bar render that records data
itself (Claude Code's status line, ``--wait``) hands its events to a detached
``_alert`` process instead, so the bar never waits on a notification daemon.
Every run is bounded by a timeout, its output goes to /dev/null, and a failure
is only logged: an alert is never worth breaking a refresh.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from typing import TYPE_CHECKING

from llmeter_bar import logs

if TYPE_CHECKING:
    from llmeter_bar.alerts.rules import AlertSettings, Event

APP_NAME = "llmeter-bar"


def can_deliver(cfg: AlertSettings) -> bool:
    return cfg.enabled and bool(cfg.command or shutil.which("notify-send"))


def deliver(event: Event, cfg: AlertSettings) -> bool:
    """Run the command (event as JSON on stdin and LLMETER_ALERT_* variables) or notify-send."""
    import subprocess

    payload = None
    if cfg.command:
        argv = list(cfg.command)
        payload = json.dumps(event.to_dict(), ensure_ascii=False).encode("utf-8")
    else:
        exe = shutil.which("notify-send")
        if exe is None:
            return False
        argv = [exe, f"--app-name={APP_NAME}", f"--urgency={event.urgency}", event.summary, event.message]
    env = dict(os.environ)
    env.update(event.env())
    try:
        done = subprocess.run(argv, input=payload, stdin=None if payload is not None else subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                              timeout=cfg.timeout, check=False, close_fds=True)
    except subprocess.TimeoutExpired:
        logs.warning("alert command %s did not finish within %gs", argv[0], cfg.timeout)
        return False
    except (OSError, subprocess.SubprocessError) as exc:
        logs.warning("alert command %s failed: %s", argv[0], exc)
        return False
    if done.returncode != 0:
        logs.warning("alert command %s exited with %s: %s", argv[0], done.returncode, event.summary)
        return False
    logs.info("alert sent: %s", event.summary)
    return True


def spawn(events: list[Event]) -> bool:
    """Deliver from a detached process (new session, standard fds on /dev/null)."""
    import subprocess

    argv = [sys.executable, "-m", "llmeter_bar", "_alert"]
    argv += [json.dumps(e.to_dict(), ensure_ascii=False) for e in events]
    try:
        subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True, close_fds=True)
    except OSError:
        logs.exception("could not start the alert process")
        return False
    return True


def main(args: list[str]) -> int:
    """The detached ``_alert EVENT_JSON...`` process."""
    from llmeter_bar.alerts.rules import Event, settings
    from llmeter_bar.config import load

    try:
        cfg = settings(load())
        for arg in args:
            deliver(Event.from_dict(json.loads(arg)), cfg)
    except Exception:
        logs.exception("alert delivery failed")
    return 0
