"""The real functions of ``pied bench translate --suite real``: where each is, what it takes
along from its file, and the Python tests that judge its translation (written from the
documentation; the expected values checked against the originals run by node, go and java)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RealFunction:
    """One function to translate: where it is, what it takes along, how it is judged."""

    task: str
    lang: str  # "go", "js" or "java"
    path: str  # under Go's src, node_modules, or in the JDK's src.zip
    names: tuple[str, ...]  # top-level declarations (a class's members); the function last
    entry: str  # the Python name the tests call
    tests: str  # Python asserts on ``entry``


CASES: tuple[RealFunction, ...] = (
    RealFunction(
        "js/leven",
        "js",
        "leven/index.js",
        ("array", "charCodeCache", "leven"),
        "leven",
        "assert leven('kitten', 'sitting') == 3\nassert leven('', 'abc') == 3\n"
        "assert leven('abc', 'abc') == 0\nassert leven('flaw', 'lawn') == 2\n"
        "assert leven('a', 'b') == 1\nassert leven('sitting', 'kitten') == 3\n",
    ),
    RealFunction(
        "js/ms.parse",
        "js",
        "ms/index.js",
        ("s", "m", "h", "d", "w", "y", "parse"),
        "parse",
        "assert parse('2h') == 7200000\nassert parse('1d') == 86400000\n"
        "assert parse('100') == 100\nassert parse('1.5s') == 1500\n"
        "assert parse('-3 minutes') == -180000\nassert parse('abc') is None\n"
        "assert parse('2 yrs') == 2 * 365.25 * 86400000\nassert parse('1 week') == 604800000\n",
    ),
    RealFunction(
        "js/ms.fmtShort",
        "js",
        "ms/index.js",
        ("s", "m", "h", "d", "w", "y", "fmtShort"),
        "fmt_short",
        "assert fmt_short(60000) == '1m'\nassert fmt_short(3600000) == '1h'\n"
        "assert fmt_short(500) == '500ms'\nassert fmt_short(1500) == '2s'\n"
        "assert fmt_short(-86400000) == '-1d'\nassert fmt_short(9000000) == '3h'\n",
    ),
    RealFunction(
        "js/isFullwidthCodePoint",
        "js",
        "is-fullwidth-code-point/index.js",
        ("isFullwidthCodePoint",),
        "is_fullwidth_code_point",
        "f = is_fullwidth_code_point\nassert f(0x1100) is True\nassert f(0x41) is False\n"
        "assert f(0x303F) is False\nassert f(0x3042) is True\nassert f(0x20000) is True\n"
        "assert f(float('nan')) is False\nassert f(0xFF01) is True\n",
    ),
    RealFunction(
        "js/slash",
        "js",
        "slash/index.js",
        ("slash",),
        "slash",
        "assert slash('a\\\\b\\\\c') == 'a/b/c'\nassert slash('a/b') == 'a/b'\n"
        "assert slash('\\\\\\\\?\\\\c:\\\\x') == '\\\\\\\\?\\\\c:\\\\x'\n",
    ),
    RealFunction(
        "js/punycode.ucs2decode",
        "js",
        "punycode.js/punycode.js",
        ("ucs2decode",),
        "ucs2decode",
        "assert list(ucs2decode('abc')) == [97, 98, 99]\nassert list(ucs2decode('')) == []\n"
        "assert list(ucs2decode('\\u00fc')) == [252]\n",
    ),
    RealFunction(
        "js/punycode.adapt",
        "js",
        "punycode.js/punycode.js",
        ("base", "tMin", "tMax", "skew", "damp", "baseMinusTMin", "floor", "adapt"),
        "adapt",
        "assert adapt(0, 1, True) == 0\nassert adapt(1000, 5, True) == 0\n"
        "assert adapt(700, 1, False) == 48\nassert adapt(100000, 10, False) == 91\n",
    ),
    RealFunction(
        "js/punycode.encode",
        "js",
        "punycode.js/punycode.js",
        (
            "maxInt",
            "base",
            "tMin",
            "tMax",
            "skew",
            "damp",
            "initialBias",
            "initialN",
            "delimiter",
            "errors",
            "baseMinusTMin",
            "floor",
            "stringFromCharCode",
            "error",
            "ucs2decode",
            "digitToBasic",
            "adapt",
            "encode",
        ),
        "encode",
        "assert encode('ma\\u00f1ana') == 'maana-pta'\n"
        "assert encode('b\\u00fccher') == 'bcher-kva'\n"
        "assert encode('abc') == 'abc-'\nassert encode('\\u00fc') == 'tda'\n",
    ),
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
)

# Grown for issue 37: more Go and JavaScript, and Java from the JDK (java.base).
MORE: tuple[RealFunction, ...] = (
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
    RealFunction(
        "js/semver.compareIdentifiers",
        "js",
        "semver/internal/identifiers.js",
        ("numeric", "compareIdentifiers"),
        "compare_identifiers",
        "f = compare_identifiers\nassert f('1', '2') == -1\nassert f('10', '9') == 1\n"
        "assert f('a', '1') == 1\nassert f('1', 'a') == -1\nassert f('b', 'a') == 1\n"
        "assert f('a', 'a') == 0\nassert f('01', '1') == 0\nassert f(3, 3) == 0\n",
    ),
    RealFunction(
        "js/semver.rcompareIdentifiers",
        "js",
        "semver/internal/identifiers.js",
        ("numeric", "compareIdentifiers", "rcompareIdentifiers"),
        "rcompare_identifiers",
        "f = rcompare_identifiers\nassert f('1', '2') == 1\nassert f('10', '9') == -1\n"
        "assert f('a', '1') == -1\nassert f('alpha', 'beta') == 1\nassert f('x', 'x') == 0\n",
    ),
    RealFunction(
        "js/punycode.decode",
        "js",
        "punycode.js/punycode.js",
        (
            "maxInt",
            "base",
            "tMin",
            "tMax",
            "skew",
            "damp",
            "initialBias",
            "initialN",
            "delimiter",
            "errors",
            "baseMinusTMin",
            "floor",
            "error",
            "basicToDigit",
            "adapt",
            "decode",
        ),
        "decode",
        "assert decode('maana-pta') == 'ma\\u00f1ana'\n"
        "assert decode('bcher-kva') == 'b\\u00fccher'\n"
        "assert decode('abc-') == 'abc'\nassert decode('tda') == '\\u00fc'\n"
        "assert decode('ihqwcrb4cv8a8dqg056pqjye') == '\\u4ed6\\u4eec\\u4e3a\\u4ec0\\u4e48\\u4e0d"
        "\\u8bf4\\u4e2d\\u6587'\n",
    ),
    RealFunction(
        "js/punycode.toASCII",
        "js",
        "punycode.js/punycode.js",
        (
            "maxInt",
            "base",
            "tMin",
            "tMax",
            "skew",
            "damp",
            "initialBias",
            "initialN",
            "delimiter",
            "regexNonASCII",
            "regexSeparators",
            "errors",
            "baseMinusTMin",
            "floor",
            "stringFromCharCode",
            "error",
            "map",
            "mapDomain",
            "ucs2decode",
            "digitToBasic",
            "adapt",
            "encode",
            "toASCII",
        ),
        "to_ascii",
        "assert to_ascii('ma\\u00f1ana.com') == 'xn--maana-pta.com'\n"
        "assert to_ascii('example.com') == 'example.com'\n"
        "assert to_ascii('b\\u00fccher.example') == 'xn--bcher-kva.example'\n"
        "assert to_ascii('a\\u3002b\\u00fc') == 'a.xn--b-eha'\n",
    ),
    RealFunction(
        "js/fast-uri.compressIPv6ZeroRun",
        "js",
        "fast-uri/lib/utils.js",
        ("compressIPv6ZeroRun",),
        "compress_ipv6_zero_run",
        "f = compress_ipv6_zero_run\n"
        "assert f(['2001', 'db8', '0', '0', '0', '0', '0', '1']) == '2001:db8::1'\n"
        "assert f(['1', '0', '2', '0', '3', '0', '4', '0']) == '1:0:2:0:3:0:4:0'\n"
        "assert f(['0'] * 8) == '::'\n"
        "assert f(['1', '0', '0', '2', '0', '0', '0', '3']) == '1:0:0:2::3'\n",
    ),
    RealFunction(
        "js/fast-uri.normalizeIPv6Address",
        "js",
        "fast-uri/lib/utils.js",
        ("isIPv4", "isHextet", "compressIPv6ZeroRun", "normalizeIPv6Address"),
        "normalize_ipv6_address",
        "f = normalize_ipv6_address\n"
        "assert f('2001:0db8:0000:0000:0000:0000:0000:0001') == '2001:db8::1'\n"
        "assert f('::1') == '::1'\nassert f('1::2::3') is None\n"
        "assert f('::ffff:1.2.3.4') == '::ffff:1.2.3.4'\n"
        "assert f('1:2:3:4:5:6:7') is None\nassert f('FE80::0A') == 'fe80::a'\n"
        "assert f('g::1') is None\n",
    ),
    RealFunction(
        "js/fast-uri.removeDotSegments",
        "js",
        "fast-uri/lib/utils.js",
        ("removeDotSegments",),
        "remove_dot_segments",
        "f = remove_dot_segments\nassert f('/a/b/c/./../../g') == '/a/g'\n"
        "assert f('mid/content=5/../6') == 'mid/6'\nassert f('/../a') == '/a'\n"
        "assert f('.') == ''\n"
        "assert f('/a/b/..') == '/a/'\nassert f('a/./b') == 'a/b'\n",
    ),
    RealFunction(
        "js/fast-uri.normalizePercentEncoding",
        "js",
        "fast-uri/lib/utils.js",
        ("isHexPair", "isUnreserved", "normalizePercentEncoding"),
        "normalize_percent_encoding",
        "f = normalize_percent_encoding\nassert f('a%2fb') == 'a%2Fb'\nassert f('abc') == 'abc'\n"
        "assert f('%7e', True) == '~'\nassert f('%7e') == '%7E'\nassert f('%zz%4') == '%zz%4'\n"
        "assert f('%41%2F', True) == 'A%2F'\n",
    ),
    RealFunction(
        "java/Integer.bitCount",
        "java",
        "java/lang/Integer.java",
        ("bitCount",),
        "bit_count",
        "f = bit_count\nassert f(0) == 0\nassert f(255) == 8\nassert f(-1) == 32\n"
        "assert f(-2147483648) == 1\nassert f(0x55555555) == 16\n",
    ),
    RealFunction(
        "java/Integer.reverse",
        "java",
        "java/lang/Integer.java",
        ("reverseBytes", "reverse"),
        "reverse",
        "assert reverse(1) == -2147483648\nassert reverse(2) == 1073741824\n"
        "assert reverse(-1) == -1\nassert reverse(0) == 0\nassert reverse(0x0F) == -268435456\n",
    ),
    RealFunction(
        "java/Integer.highestOneBit",
        "java",
        "java/lang/Integer.java",
        ("MIN_VALUE", "numberOfLeadingZeros", "highestOneBit"),
        "highest_one_bit",
        "f = highest_one_bit\nassert f(0) == 0\nassert f(10) == 8\nassert f(-1) == -2147483648\n"
        "assert f(1) == 1\nassert f(0x7FFFFFFF) == 0x40000000\n",
    ),
    RealFunction(
        "java/Integer.compareUnsigned",
        "java",
        "java/lang/Integer.java",
        ("MIN_VALUE", "compare", "compareUnsigned"),
        "compare_unsigned",
        "f = compare_unsigned\nassert f(-1, 1) == 1\nassert f(1, -1) == -1\nassert f(5, 5) == 0\n"
        "assert f(0, -2147483648) == -1\nassert f(3, 7) == -1\n",
    ),
    RealFunction(
        "java/Integer.rotateLeft",
        "java",
        "java/lang/Integer.java",
        ("rotateLeft",),
        "rotate_left",
        "f = rotate_left\nassert f(1, 1) == 2\nassert f(-2147483648, 1) == 1\n"
        "assert f(0x12345678, 8) == 0x34567812\nassert f(1, -1) == -2147483648\n"
        "assert f(1, 33) == 2\nassert f(-1, 5) == -1\n",
    ),
    RealFunction(
        "java/Integer.divideUnsigned",
        "java",
        "java/lang/Integer.java",
        ("toUnsignedLong", "divideUnsigned"),
        "divide_unsigned",
        "f = divide_unsigned\nassert f(-1, 2) == 2147483647\nassert f(10, 3) == 3\n"
        "assert f(-2, -1) == 0\nassert f(-1, -1) == 1\nassert f(-2147483648, 2) == 1073741824\n",
    ),
    RealFunction(
        "java/Math.multiplyHigh",
        "java",
        "java/lang/Math.java",
        ("multiplyHigh",),
        "multiply_high",
        "f = multiply_high\nassert f(2 ** 62, 4) == 1\nassert f(-1, -1) == 0\n"
        "assert f(2 ** 63 - 1, 2 ** 63 - 1) == 2 ** 62 - 1\nassert f(-2 ** 63, 2) == -1\n"
        "assert f(123456789, 987654321) == 0\nassert f(-5, 3) == -1\n",
    ),
    RealFunction(
        "java/Math.unsignedMultiplyHigh",
        "java",
        "java/lang/Math.java",
        ("multiplyHigh", "unsignedMultiplyHigh"),
        "unsigned_multiply_high",
        "f = unsigned_multiply_high\nassert f(2 ** 62, 4) == 1\nassert f(-1, -1) == -2\n"
        "assert f(-1, 2) == 1\nassert f(123456789, 987654321) == 0\n",
    ),
)

CASES = CASES + MORE
