"""Run health: the repository's webhooks told when a run crashes, misses its progress report or
finishes (Aim's run.report_progress / report_successful_finish, with no watcher process).

Notifier.event() only queues (it never waits: ingest and RPCs are never slowed by a webhook);
each webhook's own thread posts its notifications, retrying a failed or hung delivery with
backoff. Each (run, event) is notified once. Payloads: a URL `slack+https://...` (or a Slack
host) gets Slack's {"text": ...}; any other URL gets the generic JSON object:

    {"event": "crashed" | "missed_progress" | "finished", "run_hash", "run_name", "experiment",
     "repo", "time", "text"}

ProgressWatch holds the deadlines run.report_progress(expect_next_in=...) sets, in memory: a
daemon that restarts forgets them (a run then reports again, or ends).
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
import urllib.request
from typing import Any
from urllib.parse import urlparse

log = logging.getLogger("aimd.notify")

CRASHED, MISSED_PROGRESS, FINISHED = "crashed", "missed_progress", "finished"
EVENTS = (CRASHED, MISSED_PROGRESS, FINISHED)
POST_TIMEOUT_S = 5.0  # one delivery attempt; a hung endpoint costs this long, on this thread only
BACKOFF_S = (0.5, 1.0, 2.0, 4.0, 8.0)  # the waits before each retry; then it is dropped (logged)
MAX_QUEUED = 1000  # notifications waiting to be sent; past it the newest are dropped (logged)
PROGRESS_GRACE_S = 2.0  # how late a progress report may come before it counts as missed
SLACK_PREFIX = "slack+"

_TEXTS = {
    CRASHED: "crashed: its last process ended without closing it",
    MISSED_PROGRESS: "missed its progress report: none came within the time it announced",
    FINISHED: "finished",
}


def check_webhook(url: str) -> str:
    """A webhook URL: http(s), optionally slack+http(s); ValueError naming what is wrong."""
    parsed = urlparse(url.removeprefix(SLACK_PREFIX))
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ValueError(f"webhook {url!r} must be an http:// or https:// URL (slack+https:// for Slack)")
    return url


def payload(url: str, event: str, run: dict[str, Any], repo: str) -> tuple[str, bytes]:
    """The address to post to and the body, for one webhook."""
    name = run.get("name") or run["hash"]
    text = f"Run {name} ({run['hash']}, experiment {run.get('experiment') or '?'}) {_TEXTS[event]}"
    is_slack = url.startswith(SLACK_PREFIX) or (urlparse(url).hostname or "").endswith("hooks.slack.com")
    address = url.removeprefix(SLACK_PREFIX)
    if is_slack:
        return address, json.dumps({"text": text}).encode()
    body = {
        "event": event,
        "run_hash": run["hash"],
        "run_name": run.get("name"),
        "experiment": run.get("experiment"),
        "repo": repo,
        "time": time.time(),
        "text": text,
    }
    return address, json.dumps(body).encode()


class Notifier:
    """Queues run events, once each, for every webhook; each webhook has its own thread, so one
    that is down or hangs delays no other."""

    def __init__(self, webhooks: tuple[str, ...], repo: str) -> None:
        self.repo = repo
        self._sent: set[tuple[str, str]] = set()
        self._lock = threading.Lock()
        self._hooks = [_Webhook(check_webhook(url), repo) for url in webhooks]

    def event(self, event: str, run: dict[str, Any]) -> None:
        """Queue the notification of event for run (its props, at least the hash), once."""
        key = (run["hash"], event)
        with self._lock:
            if key in self._sent:
                return
            self._sent.add(key)
        for hook in self._hooks:
            hook.queue(event, dict(run))

    def close(self) -> None:
        """Stop the threads after what is queued (each delivery still bounded by its retries)."""
        for hook in self._hooks:
            hook.close()


class _Webhook:
    """One webhook's queue and delivery thread: each notification posted, retried with backoff."""

    def __init__(self, url: str, repo: str) -> None:
        self.url, self.repo = url, repo
        self._queue: queue.Queue[tuple[str, dict[str, Any]] | None] = queue.Queue(MAX_QUEUED)
        self._thread = threading.Thread(target=self._deliver_all, name="aimd-webhook", daemon=True)
        self._thread.start()

    def queue(self, event: str, run: dict[str, Any]) -> None:
        try:
            self._queue.put_nowait((event, run))
        except queue.Full:
            log.error(
                "webhook %s: %s of run %s dropped (%d waiting)", self.url, event, run["hash"], MAX_QUEUED
            )

    def close(self) -> None:
        try:
            self._queue.put_nowait(None)
        except queue.Full:
            pass  # a daemon thread: it ends with the process

    def _deliver_all(self) -> None:
        while (item := self._queue.get()) is not None:
            self._deliver(*item)

    def _deliver(self, event: str, run: dict[str, Any]) -> None:
        address, body = payload(self.url, event, run, self.repo)
        headers = {"Content-Type": "application/json"}
        for attempt, wait in enumerate((*BACKOFF_S, None)):
            try:
                request = urllib.request.Request(address, data=body, headers=headers, method="POST")
                urllib.request.urlopen(request, timeout=POST_TIMEOUT_S).close()
                return
            except Exception as exc:  # down, refused, hung, an error status: retry, then give up
                if wait is None:
                    log.error("webhook %s: %s of run %s not delivered (%s)", address, event, run["hash"], exc)
                    return
                log.warning("webhook %s: attempt %d failed (%s); retrying", address, attempt + 1, exc)
                time.sleep(wait)


class ProgressWatch:
    """The next progress report each run announced, and which ones are overdue."""

    def __init__(self, clock: Any = time.monotonic) -> None:
        self._clock = clock
        self._due: dict[str, tuple[float, dict[str, Any]]] = {}

    def report(self, run: dict[str, Any], expect_next_in: float) -> None:
        """A report came; the next is due in expect_next_in seconds (0: none is expected)."""
        if expect_next_in > 0:
            self._due[run["hash"]] = (self._clock() + expect_next_in + PROGRESS_GRACE_S, run)
        else:
            self._due.pop(run["hash"], None)

    def forget(self, run_hash: str) -> None:
        self._due.pop(run_hash, None)

    def overdue(self) -> list[dict[str, Any]]:
        """The runs whose report is late (each returned once: its deadline is dropped)."""
        now = self._clock()
        late = [h for h, (due, _) in self._due.items() if due <= now]
        return [self._due.pop(h)[1] for h in late]


class RunHealth:
    """What the daemon knows of its runs' health, turned into notifications (none without
    webhooks). Called from the event loop and the writer's thread: it only queues."""

    def __init__(self, webhooks: tuple[str, ...] = (), repo: str = "", clock: Any = time.monotonic) -> None:
        self.notifier = Notifier(webhooks, repo) if webhooks else None
        self._progress = ProgressWatch(clock)
        self._succeeded: set[str] = set()  # runs that reported a successful finish
        self._lock = threading.Lock()

    def ended(self, props: dict[str, Any]) -> None:
        """A run's props after a close or a detach: notify when it has just ended."""
        if props["active"]:
            return
        run_hash = props["hash"]
        with self._lock:
            self._progress.forget(run_hash)
            succeeded = run_hash in self._succeeded
        if self.notifier is None:
            return
        if props.get("status") == "crashed" and not succeeded:
            self.notifier.event(CRASHED, props)
        elif props.get("status") == "finished":
            self.notifier.event(FINISHED, props)

    def reported(self, props: dict[str, Any], expect_next_in: float, finished: bool) -> None:
        """run.report_progress() (finished=False) or run.report_successful_finish()."""
        with self._lock:
            if finished:
                self._succeeded.add(props["hash"])
                self._progress.forget(props["hash"])
            else:
                self._progress.report(props, expect_next_in)
        if finished and self.notifier is not None:
            self.notifier.event(FINISHED, props)

    def tick(self) -> None:
        """Notify the runs whose announced progress report is overdue (the daemon's sweep)."""
        with self._lock:
            late = self._progress.overdue()
        if self.notifier is not None:
            for props in late:
                self.notifier.event(MISSED_PROGRESS, props)

    def close(self) -> None:
        if self.notifier is not None:
            self.notifier.close()
