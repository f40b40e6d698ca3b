"""Terminal-log capture: lines as a terminal shows them, the streams left as they were, and every
way a process can misuse its streams (bytes, closing, replacing) leaving the user's writes alone."""

from __future__ import annotations

import io
import sys
import warnings

import pytest

from aim._tracking.system.terminal import MAX_LINE_CHARS, LineAssembler, TerminalCapture
from aim.objects.text import Text


@pytest.mark.parametrize(
    "writes, lines, pending",
    [
        (["a\nb", "c\n"], ["a", "bc"], None),
        (["\r 10%", "\r 50%", "\r100%", "\n"], ["100%"], None),  # a redrawn progress bar: its last state
        (["abcdef\rxy\n"], ["xycdef"], None),  # '\r' returns to column 0; what follows overwrites
        (["windows\r\n"], ["windows"], None),
        (["\n\n"], ["", ""], None),
        (["tail", "\rend"], [], "endl"),
        (["x" * (MAX_LINE_CHARS + 1)], ["x" * (MAX_LINE_CHARS + 1)], None),  # no newline ever: cut
    ],
)
def test_line_assembler_keeps_the_final_state_of_each_line(writes, lines, pending):
    assembler = LineAssembler()
    got = [line for text in writes for line in assembler.feed(text)]
    assert got == lines
    assert assembler.pending() == pending


class Lines:
    """A stand-in for run.track: the captured lines."""

    def __init__(self, fail: BaseException | None = None) -> None:
        self.lines: list[str] = []
        self.contexts: list[dict] = []
        self.fail = fail

    def __call__(self, value, name=None, step=None, epoch=None, *, context=None):
        assert name == "logs" and isinstance(value, Text)
        if self.fail is not None:
            raise self.fail
        self.lines.append(value.data)
        self.contexts.append(context)


@pytest.fixture
def streams(monkeypatch):
    """Swaps sys.stdout and sys.stderr for StringIOs (called in the test: pytest sets its own
    capture again between a fixture's setup and the test)."""

    def swap() -> tuple[io.StringIO, io.StringIO]:
        out, err = io.StringIO(), io.StringIO()
        monkeypatch.setattr(sys, "stdout", out)
        monkeypatch.setattr(sys, "stderr", err)
        return out, err

    return swap


def test_capture_records_both_streams_and_leaves_what_they_show_unchanged(streams):
    out, err = streams()
    track = Lines()
    capture = TerminalCapture(track, {"rank": 1})
    capture.start()
    print("epoch 1")
    print("warning!", file=sys.stderr)
    for pct in (0, 50, 100):
        print(f"\rprogress {pct:3d}%", end="", flush=True)
    print()
    sys.stdout.write("no newline yet")
    assert track.lines == ["epoch 1", "warning!", "progress 100%"]  # tracked as each line ends
    capture.stop()
    assert track.lines[-1] == "no newline yet"  # the unfinished line, on stop
    assert set(map(str, track.contexts)) == {"{'rank': 1}"}
    assert out.getvalue() == "epoch 1\n\rprogress   0%\rprogress  50%\rprogress 100%\nno newline yet"
    assert err.getvalue() == "warning!\n"
    assert "write" not in vars(out) and "write" not in vars(err)  # undone
    print("after")
    assert track.lines[-1] == "no newline yet"


def test_two_captures_share_the_streams_until_the_last_one_stops(streams):
    out, _ = streams()
    first, second = Lines(), Lines()
    one, two = TerminalCapture(first, {}), TerminalCapture(second, {})
    one.start()
    two.start()
    print("both")
    one.stop()
    print("second only")
    assert "write" in vars(out)
    two.stop()
    assert "write" not in vars(out)
    assert first.lines == ["both"] and second.lines == ["both", "second only"]


def test_a_failing_track_detaches_the_capture_with_one_warning(streams):
    out, _ = streams()
    capture = TerminalCapture(Lines(fail=ValueError("no room")), {})
    capture.start()
    with pytest.warns(RuntimeWarning, match="terminal logs are no longer captured: ValueError: no room"):
        print("one")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        print("two")
        capture.stop()
    assert out.getvalue() == "one\ntwo\n"
    assert "write" not in vars(out)


def test_bytes_and_lone_surrogates_are_kept_or_replaced_never_raised(streams):
    streams()
    track = Lines()
    capture = TerminalCapture(track, {})
    capture.start()
    print("bad \udcff byte")  # what surrogateescape makes of invalid UTF-8
    capture.feed(b"raw \xff bytes\n")  # a stream that accepts bytes passes them on
    with pytest.raises(TypeError):
        sys.stdout.write(b"bytes")  # a text stream refuses them, as it would without capture
    capture.stop()
    assert track.lines == ["bad \udcff byte", "raw \ufffd bytes"]


def test_a_process_that_replaces_or_closes_its_stdout_keeps_working(streams):
    out, err = streams()
    track = Lines()
    capture = TerminalCapture(track, {})
    capture.start()
    print("before")
    mine = io.StringIO()
    sys.stdout = mine  # replaced by the user: not captured, not touched
    print("to mine")
    out.close()  # the captured stream closed: writing to it fails as it always would
    with pytest.raises(ValueError):
        out.write("x")
    print("on stderr", file=err)
    capture.stop()
    assert track.lines == ["before", "on stderr"]
    assert mine.getvalue() == "to mine\n" and "write" not in vars(mine)
    assert "write" not in vars(err)


def test_a_write_wrapped_by_someone_else_after_us_is_left_in_place(streams):
    out, _ = streams()
    capture = TerminalCapture(Lines(), {})
    capture.start()
    ours = out.write
    seen = []

    def theirs(data):
        seen.append(data)
        return ours(data)

    out.write = theirs
    capture.stop()
    print("still theirs")
    assert vars(out)["write"] is theirs and "still theirs" in seen
    assert out.getvalue() == "still theirs\n"
