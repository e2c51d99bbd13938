"""Per-language instructions: what a translator to Python must watch for ("experts")."""

from __future__ import annotations

from pied.translation.detect import NAMES

COMMON = (
    "Translate the {lang} code to idiomatic Python 3 that does exactly the same thing. "
    "Keep every function, with the same behaviour and argument order, in the same order. "
    "Use snake_case names for functions and variables. Add the imports the Python needs. "
    'If the code has a main program, end with `if __name__ == "__main__":` calling it, and '
    "print exactly what the original prints. Answer with Python code only."
)

EXPERTS: dict[str, str] = {
    "cpp": (
        "C++ notes: integer division `/` on ints truncates toward zero: use `int(a / b)` or handle "
        "signs (Python `//` floors); `%` on negatives differs (use math.fmod for C semantics). "
        "Fixed-width ints overflow; Python ints do not. vector -> list, map -> dict, "
        "unordered_map -> dict, set -> set, pair -> tuple, string methods -> str methods, "
        "`cout << x << endl` -> print(x). Chars are numbers in arithmetic: use ord()/chr(). "
        "A braced list passed as a vector, `f({1, 2, 3})`, is a Python list `f([1, 2, 3])`, "
        "never a set; `assert (cond);` -> `assert cond`."
    ),
    "c": (
        "C notes: integer division truncates toward zero (Python `//` floors); `%` on negatives "
        "differs; arrays with explicit lengths become lists; printf formats become f-strings with "
        "the same precision; char arithmetic needs ord()/chr(); no pointers: return values instead."
    ),
    "csharp": (
        "C# notes: integer division truncates toward zero; List<T> -> list, Dictionary -> dict, "
        "Console.WriteLine -> print, string.Join -> str.join, properties become attributes, "
        "LINQ (Select/Where/Sum) becomes comprehensions and sum(); Math.* -> math.*."
    ),
    "java": (
        "Java notes: drop `class Solution` wrappers: translate methods to top-level functions "
        "(static methods need no class). int division truncates toward zero (Python `//` floors "
        "on negatives); int overflow wraps in Java. List/ArrayList -> list, HashMap -> dict, "
        "String.charAt(i) -> s[i], s.length() -> len(s), System.out.println -> print, "
        "Math.abs -> abs, Collections.sort -> list.sort, Optional.empty() -> None. "
        "`Arrays.asList(a, b)` and `new ArrayList<>(Arrays.asList(a, b))` -> `[a, b]`; "
        "`throw new AssertionError()` -> `raise AssertionError()`; a class `Main` with "
        "`main(String[] args)` becomes a function `main()`."
    ),
    "javascript": (
        "JavaScript notes: arrays -> lists, objects -> dicts, `===` -> `==`, `null`/`undefined` "
        "-> None, `console.log` -> print (join several arguments with spaces), `Math.floor(a / b)` "
        "-> a // b, `.length` -> len(), `.map/.filter/.reduce` -> comprehensions or functools."
        "reduce, string methods (`split('')` -> list(s)), `parseInt` -> int."
    ),
    "typescript": (
        "TypeScript notes: as for JavaScript; type annotations become Python type hints "
        "(number -> float or int, string -> str, boolean -> bool, T[] -> list[T]); interfaces "
        "become dataclasses or are dropped; enums -> enum.Enum."
    ),
    "php": (
        "PHP notes: drop `<?php` and `$` sigils; arrays are lists or dicts (keys kept); "
        "`echo`/`print` -> print (no newline unless the PHP printed one: use end=''); "
        "`intdiv` -> //; `strlen` -> len; `count` -> len; `implode` -> str.join; "
        "`explode` -> str.split; `.` concatenation -> +."
    ),
    "go": (
        "Go notes: slices -> lists, maps -> dicts, `fmt.Println` -> print, `fmt.Sprintf` -> "
        "f-strings, integer division truncates toward zero (Python `//` floors on negatives), "
        "multiple return values -> tuples, `nil` -> None, exported CamelCase names -> snake_case, "
        "`len()` stays len(). A test `func TestX(t *testing.T)` using "
        "`assert.Equal(t, want, got)` becomes a function `test_x()` with `assert got == want`, "
        'called under `if __name__ == "__main__":`; `[]int{1, 2}` -> `[1, 2]`.'
    ),
    "rust": (
        "Rust notes: Vec -> list, HashMap -> dict, Option -> value or None, Result -> value or "
        "raise, `println!` -> print with the same format, integer division truncates toward zero, "
        "overflow panics in debug builds, `&str`/`String` -> str, iterators -> comprehensions."
    ),
    "ruby": (
        "Ruby notes: `puts` -> print, blocks (`each`, `map`, `select`) -> loops or "
        "comprehensions, `nil` -> None, symbols -> strings, `elsif` -> elif, integer division "
        "floors like Python, implicit return of the last expression -> explicit return."
    ),
}

# For a program's entry point, translated on its own.
MAIN_NOTE = (
    " This is the program's entry point: keep the same checks in the same order and print "
    "only what the original prints (nothing more). Assertions: C++ `assert (f({1, 2}) == 3 "
    '&& "msg");` -> `assert f([1, 2]) == 3, "msg"`; `assert (!g(x));` -> `assert not g(x)`; '
    "`issame(a, b)` -> `a == b`; Java `s.someMethod(x)` -> `some_method(x)`, "
    "`List<Boolean> correct = Arrays.asList(c1, c2); if (correct.contains(false)) throw ...` "
    "-> `assert all([c1, c2])`; JavaScript `console.assert(c)` -> `assert c`, "
    "`JSON.stringify(a) === JSON.stringify(b)` -> `a == b`."
)


def instructions(language: str, name_hint: str | None = None) -> str:
    """The system prompt for translating ``language`` to Python."""
    text = COMMON.format(lang=NAMES.get(language, language)) + " " + EXPERTS.get(language, "")
    if name_hint:
        text += f" The main function must be named `{name_hint}`."
    return text
