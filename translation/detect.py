"""Which language is this source? Scored regex features, with the file name as a hint."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import PurePath

LANGUAGES = (
    "cpp",
    "c",
    "csharp",
    "java",
    "javascript",
    "typescript",
    "php",
    "go",
    "rust",
    "ruby",
    "python",
)

NAMES = {
    "cpp": "C++",
    "c": "C",
    "csharp": "C#",
    "java": "Java",
    "javascript": "JavaScript",
    "typescript": "TypeScript",
    "php": "PHP",
    "go": "Go",
    "rust": "Rust",
    "ruby": "Ruby",
    "python": "Python",
}

EXTENSIONS = {
    ".cpp": "cpp", ".cc": "cpp", ".cxx": "cpp", ".hpp": "cpp", ".hh": "cpp",
    ".c": "c", ".h": "c",
    ".cs": "csharp",
    ".java": "java",
    ".js": "javascript", ".mjs": "javascript", ".cjs": "javascript", ".jsx": "javascript",
    ".ts": "typescript", ".tsx": "typescript",
    ".php": "php",
    ".go": "go",
    ".rs": "rust",
    ".rb": "ruby",
    ".py": "python",
}  # fmt: skip

ALIASES = {"c++": "cpp", "cxx": "cpp", "c#": "csharp", "cs": "csharp", "js": "javascript",
           "node": "javascript", "ts": "typescript", "golang": "go", "rs": "rust", "rb": "ruby",
           "py": "python"}  # fmt: skip

_M = re.MULTILINE
FEATURES: dict[str, list[tuple[str, float]]] = {
    "cpp": [
        (
            r"#include\s*<(iostream|vector|string|algorithm|map|set|unordered_map|bits/stdc\+\+\.h|math\.h|cmath)>",
            3,
        ),
        (r"\bstd::", 3),
        (r"using namespace std", 4),
        (r"\bcout\s*<<|\bcin\s*>>", 3),
        (r"\bvector\s*<", 3),
        (r"\btemplate\s*<", 2),
        (r"\bnullptr\b", 2),
        (r"\bauto\s+\w+\s*=", 1),
        (r"\bbool\s+\w+\s*\(", 1),
        (r"::", 0.5),
    ],
    "c": [
        (r"#include\s*<(stdio|stdlib|string|math|stdbool)\.h>", 3),
        (r"\bprintf\s*\(", 1.5),
        (r"\bmalloc\s*\(|\bfree\s*\(", 2),
        (r"\bstruct\s+\w+", 1),
        (r"\bscanf\s*\(", 2),
        (r"\bint\s+main\s*\(\s*(void)?\s*\)", 1),
    ],
    "csharp": [
        (r"^\s*using\s+System", 4),
        (r"\bnamespace\s+[\w.]+", 2),
        (r"\bConsole\.Write(Line)?\s*\(", 4),
        (r"static\s+void\s+Main\s*\(", 3),
        (r"\bstring\[\]", 1),
        (r"\{\s*get;\s*(set;)?\s*\}", 3),
        (r"\bvar\s+\w+\s*=", 1),
        (r"\.Length\b", 1),
        (r"\bforeach\s*\(\s*var\b", 3),
        (r"\bList<", 1),
    ],
    "java": [
        (r"\bpublic\s+(final\s+)?class\s+\w+", 2),
        (r"\bSystem\.out\.print", 4),
        (r"^\s*import\s+java\.", 4),
        (r"public\s+static\s+void\s+main\s*\(\s*String", 4),
        (r"\bArrayList<|\bHashMap<|\bList<", 1.5),
        (r"@Override", 2),
        (r"\.length\(\)", 1.5),
        (r"\bclass\s+Solution\b", 2),
        (r"\bString\b", 0.5),
        (r"\bboolean\b", 1.5),
        (r"\bprivate\s+|\bpublic\s+", 0.5),
    ],
    "javascript": [
        (r"\bfunction\s+\w*\s*\(", 1.5),
        (r"\bfunction\s+\w*\s*\(\s*(\w+\s*(,\s*\w+\s*)*)?\)\s*\{", 1.5),  # untyped parameters
        (r"\bconst\s+\w+\s*=", 1.5),
        (r"\blet\s+\w+\s*=", 1.5),
        (r"=>", 1),
        (r"\bconsole\.log\s*\(", 3),
        (r"\brequire\s*\(", 2),
        (r"module\.exports", 3),
        (r"===|!==", 2),
        (r"\bundefined\b", 1.5),
        (r"\.push\s*\(", 0.5),
    ],
    "typescript": [
        (r":\s*(number|string|boolean|void|any)\b(\[\])?", 3),
        (r"^\s*(export\s+)?interface\s+\w+", 3),
        (r"^\s*(export\s+)?type\s+\w+\s*=", 3),
        (r"\breadonly\b", 2),
        (r"\bas\s+(number|string|const)\b", 2),
        (r"\bconst\s+\w+\s*:", 2),
        (r"\bfunction\s+\w+\s*(<[^>]+>)?\s*\([^)]*:\s*\w+", 3),
    ],
    "php": [
        (r"<\?php", 6),
        (r"\$\w+\s*=", 2),
        (r"\$this->", 3),
        (r"\becho\s+", 1.5),
        (r"\barray\s*\(", 2),
        (r"\bforeach\s*\(\s*\$\w+\s+as\s+", 4),
        (r"\bfunction\s+\w+\s*\(\s*\$", 3),
    ],
    "go": [
        (r"^\s*package\s+\w+", 4),
        (r"\bfunc\s+(\(\w+\s+\*?\w+\)\s*)?\w+\s*\(", 3),
        (r":=", 1.5),
        (r"\bfmt\.(Print|Sprint)", 3),
        (r"^\s*import\s*\(", 2),
        (r"\[\](int|string|float64|bool)\b", 3),
        (r"\bnil\b", 0.5),
        (r"\brange\s+\w+", 1),
    ],
    "rust": [
        (r"\bfn\s+\w+\s*(<[^>]+>)?\s*\(", 3),
        (r"\blet\s+mut\b", 3),
        (r"\bprintln!\s*\(", 4),
        (r"\bimpl\b", 2),
        (r"&str\b|\bString::", 2),
        (r"\bVec<|\bvec!\[", 3),
        (r"^\s*use\s+std::", 3),
        (r"\bmatch\s+\w+\s*\{", 1),
        (r"\bpub\s+fn\b", 2),
        (r"->\s*(i32|i64|u32|usize|bool|f64|String|Vec)", 2),
    ],
    "ruby": [
        (r"^\s*def\s+\w+[?!]?(\s*\(.*\))?\s*$", 2),
        (r"^\s*end\s*$", 2),
        (r"\bputs\s+", 2),
        (r"^\s*require\s+['\"]", 2),
        (r"\bdo\s*\|\w+(,\s*\w+)?\|", 3),
        (r"\.each\b", 1),
        (r"\belsif\b", 3),
        (r"\battr_(accessor|reader)\b", 3),
        (r"\bnil\?", 2),
        (r"#\{", 1.5),
    ],
    "python": [
        (r"^\s*def\s+\w+\s*\(.*\)\s*(->\s*[\w\[\], .]+)?:\s*$", 3),
        (r"^\s*(from\s+\w+\s+)?import\s+\w+", 1),
        (r"\bself\.", 1),
        (r"\belif\b", 3),
        (r"\bprint\s*\(", 0.5),
        (r"^\s*class\s+\w+(\(.*\))?:\s*$", 3),
        (r"\bNone\b|\bTrue\b|\bFalse\b", 1),
        (r'"""', 1.5),
    ],
}
_COMPILED = {lang: [(re.compile(p, _M), w) for p, w in feats] for lang, feats in FEATURES.items()}


@dataclass(frozen=True)
class Detection:
    language: str | None  # None: cannot tell
    confidence: float
    scores: dict[str, float]


def normalize(name: str) -> str | None:
    """A language name or alias (``c++``, ``js``) as pied names it, or None."""
    key = name.strip().lower()
    key = ALIASES.get(key, key)
    return key if key in LANGUAGES else None


def detect(source: str, filename: str | None = None) -> Detection:
    """The most likely language of ``source`` and how sure the scores make us (0..1)."""
    scores: dict[str, float] = {}
    for lang, feats in _COMPILED.items():
        score = 0.0
        for pattern, weight in feats:
            hits = len(pattern.findall(source))
            score += weight * min(hits, 3) ** 0.5 if hits else 0.0
        scores[lang] = score
    # TypeScript is JavaScript with types; C++ and C share C's features.
    scores["typescript"] += 0.5 * scores["javascript"] if scores["typescript"] else 0
    scores["cpp"] += 0.3 * scores["c"] if scores["cpp"] else 0
    if filename:
        hinted = EXTENSIONS.get(PurePath(filename).suffix.lower())
        if hinted:
            scores[hinted] += 6.0
    best = max(scores, key=lambda k: scores[k])
    if scores[best] < 2.0:
        return Detection(None, 0.0, scores)
    exp = {k: math.exp(v - scores[best]) for k, v in scores.items()}
    confidence = exp[best] / sum(exp.values())
    return Detection(best, round(confidence, 3), scores)
