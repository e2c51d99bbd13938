"""Real JavaScript functions from the VS Code extension's node_modules: where each is, what it
takes along from its file, and the Python tests that judge its translation (written from the
documentation; the expected values checked against the originals run by node)."""

from __future__ import annotations

from pied.bench.realfunction import RealFunction

JS: tuple[RealFunction, ...] = (
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
)
