import contextlib
import struct

import msgpack
from hypothesis import given, settings
from hypothesis import strategies as st

from pied.daemon import protocol as p


def test_round_trip():
    frame = p.request(7, "complete", {"uri": "file:///a.py", "line": 1})
    reader = p.FrameReader()
    (body,) = list(reader.feed(frame))
    msg = p.parse(body)
    assert (msg.type, msg.id, msg.method, msg.params["line"]) == ("request", 7, "complete", 1)


def test_frames_split_anywhere_are_reassembled():
    frames = p.notification("open", {"uri": "x", "text": "é" * 100}) + p.request(1, "status")
    reader = p.FrameReader()
    bodies = []
    for i in range(len(frames)):
        bodies += list(reader.feed(frames[i : i + 1]))
    assert [p.parse(b).method for b in bodies] == ["open", "status"]


def test_oversized_frames_are_skipped_and_the_stream_survives():
    reader = p.FrameReader(max_message=100)
    big = struct.pack(">I", 5000) + b"x" * 5000
    out = list(reader.feed(big + p.request(2, "status")))
    assert isinstance(out[0], p.ProtocolError) and out[0].wire_code == p.TOO_LARGE
    assert p.parse(out[1]).id == 2


def test_malformed_messages_are_named():
    cases = {
        b"\xc1": p.PARSE_ERROR,
        msgpack.packb([1, 2]): p.INVALID_REQUEST,
        msgpack.packb({"type": "request", "method": "x"}): p.INVALID_REQUEST,
        msgpack.packb({"type": "request", "id": 1, "method": ""}): p.INVALID_REQUEST,
        msgpack.packb({"type": "request", "id": 1, "method": "m", "params": 3}): p.INVALID_PARAMS,
        msgpack.packb({"type": "whatever", "id": 1}): p.INVALID_REQUEST,
        msgpack.packb({"type": "request", "id": "1", "method": "m"}): p.INVALID_REQUEST,
    }
    for body, code in cases.items():
        try:
            p.parse(body)
        except p.ProtocolError as e:
            assert e.wire_code == code, body
        else:
            raise AssertionError(f"{body!r} parsed")


@settings(max_examples=500)
@given(st.binary(max_size=200))
def test_any_bytes_either_parse_or_raise_a_protocol_error(data):
    with contextlib.suppress(p.ProtocolError):  # anything else escapes and fails the test
        p.parse(data)


@settings(max_examples=300)
@given(st.lists(st.binary(max_size=64), max_size=8))
def test_the_frame_reader_never_crashes(chunks):
    reader = p.FrameReader(max_message=32)
    for chunk in chunks:
        for item in reader.feed(chunk):
            assert isinstance(item, bytes | p.ProtocolError)
