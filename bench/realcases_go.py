"""Real Go functions from the standard library (GOROOT/src): where each is, what it takes along
from its file, and the Python tests that judge its translation (written from the
documentation; the expected values checked against the originals run by go)."""

from __future__ import annotations

from pied.bench.realfunction import RealFunction

GO: tuple[RealFunction, ...] = (
    RealFunction(
        "go/color.RGBToYCbCr",
        "go",
        "image/color/ycbcr.go",
        ("RGBToYCbCr",),
        "rgb_to_ycbcr",
        "f = rgb_to_ycbcr\nassert tuple(f(255, 255, 255)) == (255, 128, 128)\n"
        "assert tuple(f(0, 0, 0)) == (0, 128, 128)\nassert tuple(f(255, 0, 0)) == (76, 85, 255)\n"
        "assert tuple(f(0, 0, 255)) == (29, 255, 107)\n",
    ),
    RealFunction(
        "go/color.YCbCrToRGB",
        "go",
        "image/color/ycbcr.go",
        ("YCbCrToRGB",),
        "ycbcr_to_rgb",
        "f = ycbcr_to_rgb\nassert tuple(f(255, 128, 128)) == (255, 255, 255)\n"
        "assert tuple(f(0, 128, 128)) == (0, 0, 0)\nassert tuple(f(76, 85, 255)) == (254, 0, 0)\n"
        "assert tuple(f(16, 0, 255)) == (194, 0, 0)\n",
    ),
    RealFunction(
        "go/color.RGBToCMYK",
        "go",
        "image/color/ycbcr.go",
        ("RGBToCMYK",),
        "rgb_to_cmyk",
        "f = rgb_to_cmyk\nassert tuple(f(0, 0, 0)) == (0, 0, 0, 255)\n"
        "assert tuple(f(255, 255, 255)) == (0, 0, 0, 0)\n"
        "assert tuple(f(255, 0, 0)) == (0, 255, 255, 0)\n"
        "assert tuple(f(100, 50, 25)) == (0, 127, 191, 155)\n",
    ),
    RealFunction(
        "go/utf16.EncodeRune",
        "go",
        "unicode/utf16/utf16.go",
        ("replacementChar", "surr1", "EncodeRune"),
        "encode_rune",
        "f = encode_rune\nassert tuple(f(0x1F600)) == (0xD83D, 0xDE00)\n"
        "assert tuple(f(0x10000)) == (0xD800, 0xDC00)\nassert tuple(f(0x41)) == (0xFFFD, 0xFFFD)\n"
        "assert tuple(f(0x110000)) == (0xFFFD, 0xFFFD)\n",
    ),
    RealFunction(
        "go/utf16.DecodeRune",
        "go",
        "unicode/utf16/utf16.go",
        ("replacementChar", "surr1", "DecodeRune"),
        "decode_rune",
        "f = decode_rune\nassert f(0xD83D, 0xDE00) == 0x1F600\n"
        "assert f(0xD800, 0xDC00) == 0x10000\n"
        "assert f(0x41, 0xDC00) == 0xFFFD\nassert f(0xDC00, 0xD800) == 0xFFFD\n",
    ),
    RealFunction(
        "go/time.norm",
        "go",
        "time/time.go",
        ("norm",),
        "norm",
        "assert tuple(norm(1, 70, 60)) == (2, 10)\nassert tuple(norm(1, -1, 60)) == (0, 59)\n"
        "assert tuple(norm(0, -60, 60)) == (-1, 0)\nassert tuple(norm(5, 0, 10)) == (5, 0)\n"
        "assert tuple(norm(0, -121, 60)) == (-3, 59)\n",
    ),
    RealFunction(
        "go/path.Base",
        "go",
        "path/path.go",
        ("lastSlash", "Base"),
        "base",
        "assert base('/a/b') == 'b'\nassert base('a/b/') == 'b'\nassert base('') == '.'\n"
        "assert base('///') == '/'\nassert base('abc') == 'abc'\n",
    ),
    RealFunction(
        "go/path.Clean",
        "go",
        "path/path.go",
        ("lazybuf", "lazybuf.index", "lazybuf.append", "lazybuf.string", "Clean"),
        "clean",
        "assert clean('a//b') == 'a/b'\nassert clean('/../x') == '/x'\nassert clean('') == '.'\n"
        "assert clean('a/b/../c/.') == 'a/c'\nassert clean('abc/') == 'abc'\n"
        "assert clean('../../a') == '../../a'\nassert clean('/') == '/'\n",
    ),
    RealFunction(
        "go/adler32.Checksum",
        "go",
        "hash/adler32/adler32.go",
        ("mod", "digest", "update", "Checksum"),
        "checksum",
        "assert checksum(b'Wikipedia') == 0x11E60398\nassert checksum(b'') == 1\n"
        "assert checksum(b'a') == 0x00620062\n"
        "assert checksum(bytes(range(256)) * 30) == 0x967DF1D3\n",
    ),
    RealFunction(
        "go/hex.EncodeToString",
        "go",
        "encoding/hex/hex.go",
        ("hextable", "EncodedLen", "Encode", "EncodeToString"),
        "encode_to_string",
        "assert encode_to_string(b'Hello') == '48656c6c6f'\nassert encode_to_string(b'') == ''\n"
        "assert encode_to_string(bytes([0, 255, 16])) == '00ff10'\n",
    ),
    RealFunction(
        "go/sort.SearchInts",
        "go",
        "sort/search.go",
        ("Search", "SearchInts"),
        "search_ints",
        "f = search_ints\nassert f([1, 3, 5, 7], 5) == 2\nassert f([1, 3, 5, 7], 4) == 2\n"
        "assert f([1, 3, 5, 7], 8) == 4\nassert f([], 1) == 0\nassert f([1, 1, 1], 1) == 0\n"
        "assert f([1, 3, 5, 7], 0) == 0\n",
    ),
    RealFunction(
        "go/utf8.RuneLen",
        "go",
        "unicode/utf8/utf8.go",
        ("MaxRune", "surrogateMin", "rune1Max", "RuneLen"),
        "rune_len",
        "f = rune_len\nassert f(0x41) == 1\nassert f(0xE9) == 2\nassert f(0x20AC) == 3\n"
        "assert f(0x1F600) == 4\nassert f(0xD800) == -1\nassert f(-1) == -1\n"
        "assert f(0x110000) == -1\n",
    ),
    RealFunction(
        "go/utf8.EncodeRune",
        "go",
        "unicode/utf8/utf8.go",
        ("RuneError", "surrogateMin", "rune1Max", "EncodeRune"),
        "encode_rune",
        "p = [0] * 4\nassert encode_rune(p, 0x20AC) == 3 and p[:3] == [0xE2, 0x82, 0xAC]\n"
        "p = [0] * 4\nassert encode_rune(p, 0x41) == 1 and p[0] == 0x41\n"
        "p = [0] * 4\nassert encode_rune(p, 0x1F600) == 4 and p == [0xF0, 0x9F, 0x98, 0x80]\n"
        "p = [0] * 4\nassert encode_rune(p, 0xD800) == 3 and p[:3] == [0xEF, 0xBF, 0xBD]\n"
        "p = [0] * 4\nassert encode_rune(p, -1) == 3 and p[:3] == [0xEF, 0xBF, 0xBD]\n"
        "p = [0] * 4\nassert encode_rune(p, 0xE9) == 2 and p[:2] == [0xC3, 0xA9]\n",
    ),
    RealFunction(
        "go/time.daysIn",
        "go",
        "time/time.go",
        ("Month", "January", "daysBefore", "isLeap", "daysIn"),
        "days_in",
        "assert days_in(2, 2024) == 29\nassert days_in(2, 1900) == 28\n"
        "assert days_in(2, 2000) == 29\nassert days_in(1, 2023) == 31\n"
        "assert days_in(4, 2023) == 30\nassert days_in(12, 2023) == 31\n",
    ),
    RealFunction(
        "go/color.sqDiff",
        "go",
        "image/color/color.go",
        ("sqDiff",),
        "sq_diff",
        "assert sq_diff(0, 0) == 0\nassert sq_diff(10, 4) == 9\nassert sq_diff(4, 10) == 9\n"
        "assert sq_diff(0xFFFF, 0) == 0x3FFF8000\nassert sq_diff(0, 0xFFFF) == 0x3FFF8000\n",
    ),
    RealFunction(
        "go/path.Ext",
        "go",
        "path/path.go",
        ("Ext",),
        "ext",
        "assert ext('a/b.go') == '.go'\nassert ext('a/b') == ''\nassert ext('a.b/c') == ''\n"
        "assert ext('x.tar.gz') == '.gz'\nassert ext('') == ''\n"
        "assert ext('.bashrc') == '.bashrc'\n",
    ),
)
