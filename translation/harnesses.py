"""The source side of a differential test in the compiled languages (C++, Java, Go): each
probe's arguments as literals of the parameter's type, and a program that calls the
original on each and prints its result the way the Python side does (``probes``)."""

from __future__ import annotations

import re

from pied.translation.literals import PREFIX, Probe, escape, float_literal
from pied.translation.signature import Param, Signature


def cpp_literal(value: object, kind: str, native: str) -> str:
    if kind == "bool":
        return "true" if value else "false"
    if kind == "int":
        return f"{value}LL" if abs(int(value)) > 2**31 - 1 else str(value)  # type: ignore[call-overload]
    if kind == "float":
        return float_literal(value)
    if kind == "char":
        return f"'{escape(str(value))}'"
    if kind == "str":
        return f'std::string("{escape(str(value))}")'
    inner = re.sub(r"\bconst\b|&", "", native).strip()
    elem_native = inner[inner.index("<") + 1 : inner.rindex(">")]
    items = ", ".join(cpp_literal(v, kind[5:-1], elem_native) for v in value)  # type: ignore[attr-defined]
    return f"{inner}{{{items}}}"


_CPP_PRINT = r"""
namespace pied_probe {
static void p(long long v) { printf("%lld", v); }
static void p(long v) { printf("%ld", v); }
static void p(int v) { printf("%d", v); }
static void p(short v) { printf("%d", (int)v); }
static void p(unsigned long long v) { printf("%llu", v); }
static void p(unsigned long v) { printf("%lu", v); }
static void p(unsigned v) { printf("%u", v); }
static void p(double v) { printf("%.17g", v); }
static void p(float v) { printf("%.9g", (double)v); }
static void p(bool v) { fputs(v ? "true" : "false", stdout); }
static void p(const std::string& s) {
  putchar('"');
  for (unsigned char b : s) {
    if (b >= 0x21 && b <= 0x7e && b != '"' && b != '\\') putchar(b); else printf("\\x%02x", b);
  }
  putchar('"');
}
static void p(char c) { p(std::string(1, c)); }
template <class T> static void p(const std::vector<T>& v) {
  fputs("[", stdout);
  for (const auto& x : v) { putchar(' '); p(x); }
  fputs(" ]", stdout);
}
}
"""


def cpp_harness(source: str, sig: Signature, probes: list[Probe]) -> str:
    calls = []
    for i, probe in enumerate(probes):
        decls = "".join(
            f"    {_cpp_native(p)} a{k} = {cpp_literal(v, p.type, p.native)};\n"
            for k, (p, v) in enumerate(zip(sig.params, probe.args, strict=True))
        )
        args = ", ".join(f"a{k}" for k in range(len(sig.params)))
        calls.append(
            f"  fflush(stdout);\n  if (fork() == 0) {{\n    alarm(1);\n{decls}"
            f"    auto r = {sig.name}({args});\n"
            f'    printf("{PREFIX} {i} "); pied_probe::p(r); printf("\\n");\n'
            "    fflush(stdout); _exit(0);\n  }\n"
            "  { int st = 0; wait(&st);\n"
            "    if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0))\n"
            f'      printf("{PREFIX} {i} error\\n"); }}\n'
        )
    head = (
        "#include <cstdio>\n#include <string>\n#include <vector>\n"
        "#include <unistd.h>\n#include <sys/wait.h>\n"
    )
    return f"{head}{source}\n{_CPP_PRINT}\nint main() {{\n{''.join(calls)}  return 0;\n}}\n"


def _cpp_native(p: Param) -> str:
    return re.sub(r"\bconst\b|&", "", p.native).strip()


def java_literal(value: object, kind: str, native: str) -> str:
    n = re.sub(r"\s+", "", native)
    if kind == "bool":
        return "true" if value else "false"
    if kind == "int":
        return f"{value}L" if n in ("long", "Long") else str(value)
    if kind == "float":
        return float_literal(value) + ("f" if n in ("float", "Float") else "")
    if kind == "char":
        return f"'{escape(str(value))}'"
    if kind == "str":
        return f'"{escape(str(value))}"'
    if n.endswith("[]"):
        elem = n[:-2]
        items = ", ".join(java_literal(v, kind[5:-1], elem) for v in value)  # type: ignore[attr-defined]
        return f"new {elem}[]{{{items}}}"
    elem = n[n.index("<") + 1 : n.rindex(">")]
    boxed = _java_boxed(elem)
    items = ", ".join(java_literal(v, kind[5:-1], elem) for v in value)  # type: ignore[attr-defined]
    if not items:
        return f"new java.util.ArrayList<{boxed}>()"
    return f"new java.util.ArrayList<{boxed}>(java.util.Arrays.asList({items}))"


def _java_boxed(native: str) -> str:
    boxes = {"int": "Integer", "long": "Long", "double": "Double", "float": "Float"}
    boxes.update({"boolean": "Boolean", "char": "Character"})
    n = boxes.get(native, native)
    return re.sub(r"\b(List|ArrayList|Optional)\b", r"java.util.\1", n)


_JAVA_PRINT = r"""
public class Main {
  static String qs(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (byte x : s.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
      int c = x & 0xff;
      if (c >= 0x21 && c <= 0x7e && c != '"' && c != '\\') b.append((char) c);
      else b.append(String.format("\\x%02x", c));
    }
    return b.append('"').toString();
  }
  static String q(Object o) {
    if (o == null) return "None";
    if (o instanceof Boolean) return ((Boolean) o) ? "true" : "false";
    if (o instanceof Character) return qs(String.valueOf(o));
    if (o instanceof String) return qs((String) o);
    if (o instanceof Double || o instanceof Float)
      return Double.toString(((Number) o).doubleValue());
    if (o instanceof Number) return o.toString();
    if (o instanceof java.util.Optional) {
      java.util.Optional<?> p = (java.util.Optional<?>) o;
      return p.isPresent() ? q(p.get()) : "None";
    }
    StringBuilder b = new StringBuilder("[");
    if (o instanceof java.util.Collection) {
      for (Object x : (java.util.Collection<?>) o) b.append(' ').append(q(x));
    } else if (o.getClass().isArray()) {
      for (int k = 0; k < java.lang.reflect.Array.getLength(o); k++)
        b.append(' ').append(q(java.lang.reflect.Array.get(o, k)));
    } else {
      return "?" + o;
    }
    return b.append(" ]").toString();
  }
  static void run(int i, java.util.concurrent.Callable<Object> c) throws InterruptedException {
    final Object[] out = new Object[1];
    final boolean[] failed = new boolean[1];
    Thread t = new Thread(null, () -> {
      try { out[0] = c.call(); } catch (Throwable e) { failed[0] = true; }
    }, "probe", 1 << 26);
    t.setDaemon(true);
    t.start();
    t.join(1000);
    if (t.isAlive()) {
      System.out.println("@pied " + i + " error");
      System.out.flush();
      System.exit(0);
    }
    System.out.println("@pied " + i + " " + (failed[0] ? "error" : q(out[0])));
  }
"""


# Annotations outside java.lang (the JDK's own ``@IntrinsicCandidate``, a framework's) name
# types the harness does not have: they are dropped, they do not change what a method does.
_FOREIGN_ANNOTATION = re.compile(
    r"@(?!(?:Override|Deprecated|SuppressWarnings|SafeVarargs|FunctionalInterface|interface)\b)"
    r"[\w.]+(?:\([^()]*\))?\s*"
)


def java_harness(source: str, sig: Signature, probes: list[Probe], owner: str) -> str:
    body = re.sub(r"^public\s+(?=(?:final\s+)?class\b)", "", source, flags=re.M)
    body = _FOREIGN_ANNOTATION.sub("", body)
    lines = [
        "  public static void main(String[] args) throws Exception {\n"
        f"    {owner} s = new {owner}();"
    ]
    for i, probe in enumerate(probes):
        names = []
        for k, (p, v) in enumerate(zip(sig.params, probe.args, strict=True)):
            t = _java_boxed(re.sub(r"\s+", "", p.native)) if "<" in p.native else p.native
            lines.append(f"    final {t} a{i}_{k} = {java_literal(v, p.type, p.native)};")
            names.append(f"a{i}_{k}")
        lines.append(f"    run({i}, () -> s.{sig.name}({', '.join(names)}));")
    lines.append("  }\n}\n")
    return f"{body}\n{_JAVA_PRINT}\n" + "\n".join(lines)


def java_owner(source: str, method: str) -> str | None:
    """The class that declares ``method`` (the last class opened before it)."""
    at = re.search(rf"\b{re.escape(method)}\s*\(", source)
    if not at:
        return None
    owners = re.findall(r"\bclass\s+(\w+)", source[: at.start()])
    return owners[-1] if owners else None


def go_literal(value: object, kind: str, native: str) -> str:
    n = native.strip()
    if kind == "bool":
        return "true" if value else "false"
    if kind in ("int", "uint"):
        return str(value)
    if kind == "float":
        return float_literal(value)
    if kind == "str":
        return f'"{escape(str(value))}"'
    elem = re.sub(r"^\[\d*\]", "", n)
    items = ", ".join(go_literal(v, kind[5:-1], elem) for v in value)  # type: ignore[attr-defined]
    return f"{n}{{{items}}}"


_GO_PRINT = r"""
func piedQs(s string) string {
	out := "\""
	for _, c := range []byte(s) {
		if c >= 0x21 && c <= 0x7e && c != '"' && c != '\\' {
			out += string(rune(c))
		} else {
			out += piedfmt.Sprintf("\\x%02x", c)
		}
	}
	return out + "\""
}

func piedQ(v piedreflect.Value) string {
	if !v.IsValid() {
		return "None"
	}
	switch v.Kind() {
	case piedreflect.Interface, piedreflect.Ptr:
		if v.IsNil() {
			return "None"
		}
		return piedQ(v.Elem())
	case piedreflect.Bool:
		if v.Bool() {
			return "true"
		}
		return "false"
	case piedreflect.Int, piedreflect.Int8, piedreflect.Int16, piedreflect.Int32, piedreflect.Int64:
		return piedstrconv.FormatInt(v.Int(), 10)
	case piedreflect.Uint, piedreflect.Uint8, piedreflect.Uint16, piedreflect.Uint32,
		piedreflect.Uint64:
		return piedstrconv.FormatUint(v.Uint(), 10)
	case piedreflect.Float32, piedreflect.Float64:
		return piedstrconv.FormatFloat(v.Float(), 'g', 17, 64)
	case piedreflect.String:
		return piedQs(v.String())
	case piedreflect.Slice, piedreflect.Array:
		out := "["
		for k := 0; k < v.Len(); k++ {
			out += " " + piedQ(v.Index(k))
		}
		return out + " ]"
	}
	return "?" + piedfmt.Sprint(v.Interface())
}

func piedRun(i int, f func() string) {
	done := make(chan string, 1)
	go func() {
		defer func() {
			if recover() != nil {
				done <- "error"
			}
		}()
		done <- f()
	}()
	select {
	case line := <-done:
		piedfmt.Printf("@pied %d %s\n", i, line)
	case <-piedtime.After(piedtime.Second):
		piedfmt.Printf("@pied %d error\n", i)
		piedos.Exit(0)
	}
}
"""


def go_harness(source: str, sig: Signature, probes: list[Probe]) -> str:
    body = re.sub(r"^package\s+\w+\s*$", "", source, flags=re.M)
    several = sig.returns.startswith("tuple[")
    calls = []
    for i, probe in enumerate(probes):
        args = ", ".join(
            go_literal(v, p.type, p.native) for p, v in zip(sig.params, probe.args, strict=True)
        )
        if several:
            n = sig.returns.count(",") + 1
            names = ", ".join(f"r{k}" for k in range(n))
            value = f"[]interface{{}}{{{names}}}"
            call = f"{names} := {sig.name}({args}); return piedQ(piedreflect.ValueOf({value}))"
        else:
            call = f"return piedQ(piedreflect.ValueOf({sig.name}({args})))"
        calls.append(f"\tpiedRun({i}, func() string {{ {call} }})")
    head = (
        'package main\n\nimport (\n\tpiedfmt "fmt"\n\tpiedos "os"\n'
        '\tpiedreflect "reflect"\n\tpiedstrconv "strconv"\n\tpiedtime "time"\n)\n\n'
    )
    return (
        f"{head}{body}\nvar _ = piedos.Exit\n{_GO_PRINT}\nfunc main() {{\n"
        + "\n".join(calls)
        + "\n}\n"
    )
