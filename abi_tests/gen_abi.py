#!/usr/bin/env python3
"""Generate, or check, the ABI fact table of the SA Forum AIS headers.

The seven headers (saAis.h, saAmf.h, saCkpt.h, saClm.h, saEvt.h, saLck.h,
saMsg.h) of an include directory are examined in three ways:

* their macros are found with ``gcc -dM -E`` (minus the macros an empty
  file already has, and only those whose definition lies in the include
  directory); empty macros such as include guards are ignored;
* the preprocessed headers are parsed with pycparser to find the typedefs,
  structs/unions and their fields, enum constants and function prototypes;
* a C program is generated, compiled and run so that sizes, alignments,
  offsets and constant values come from the compiler itself.

Every fact is one line of text; the lines are sorted.  Kinds of line:
``sizeof``, ``alignof``, ``offsetof``, ``enum``, ``macro``, ``typedef`` and
``proto``.  The result goes to stdout, to ``--out FILE``, or is compared
with ``--check TABLE`` (exit status 1 and a unified diff on any drift).
"""

from __future__ import annotations

import argparse
import copy
import difflib
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from pycparser import c_ast, c_generator, c_parser

HEADERS: tuple[str, ...] = (
    "saAis.h",
    "saAmf.h",
    "saCkpt.h",
    "saClm.h",
    "saEvt.h",
    "saLck.h",
    "saMsg.h",
)

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INCLUDE_DIR = REPO_ROOT / "include" / "saAis"

# Keep pycparser away from GNU extensions that system headers may use.
PARSE_DEFINES: tuple[str, ...] = (
    "-D__attribute__(x)=",
    "-D__extension__=",
    "-D__restrict=",
    "-D__restrict__=",
    "-D__inline=",
    "-D__inline__=",
    "-D__asm__(x)=",
    "-D__asm(x)=",
    "-D__builtin_va_list=int",
    "-D__signed__=signed",
    "-D__volatile__=volatile",
)

# Build flags of the fact-printing program (C11 for _Alignof and _Generic).
PROGRAM_FLAGS: tuple[str, ...] = ("-std=gnu11", "-O0", "-w")

MAX_COMPILE_ROUNDS = 20

PRINTERS_C = r"""
#include <stdio.h>
#include <stddef.h>

static void abi_macro_s(const char *name, long long v)
{ printf("macro %s %lld\n", name, v); }
static void abi_macro_u(const char *name, unsigned long long v)
{ printf("macro %s %llu\n", name, v); }
static void abi_macro_f(const char *name, long double v)
{ printf("macro %s %.21Lg\n", name, v); }
static void abi_macro_str(const char *name, const char *v)
{ printf("macro %s \"%s\"\n", name, v); }
static void abi_macro_ptr(const char *name, const void *v)
{ printf("macro %s (void *)0x%llx\n", name, (unsigned long long)(size_t)v); }

#define ABI_MACRO(name, x) _Generic((x), \
	char *: abi_macro_str, const char *: abi_macro_str, \
	void *: abi_macro_ptr, const void *: abi_macro_ptr, \
	float: abi_macro_f, double: abi_macro_f, long double: abi_macro_f, \
	unsigned char: abi_macro_u, unsigned short: abi_macro_u, \
	unsigned int: abi_macro_u, unsigned long: abi_macro_u, \
	unsigned long long: abi_macro_u, \
	default: abi_macro_s)(name, (x))
"""


class GenAbiError(RuntimeError):
    """A compiler or parser step failed."""


@dataclass
class Statement:
    """One printf statement of the generated program, with its fallback."""

    code: str
    fallback: str | None = None


@dataclass
class Facts:
    """What the parse of the headers found."""

    types: set[str] = field(default_factory=set)
    fields: dict[str, list[tuple[str, bool]]] = field(default_factory=dict)
    enum_consts: set[str] = field(default_factory=set)
    lines: set[str] = field(default_factory=set)


def run(cmd: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run a command, capturing its output as text."""
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)


def must_run(cmd: list[str], cwd: Path | None = None) -> str:
    """Run a command and return its stdout; raise GenAbiError on failure."""
    proc = run(cmd, cwd)
    if proc.returncode != 0:
        raise GenAbiError(f"command failed: {' '.join(cmd)}\n{proc.stderr}")
    return proc.stdout


def norm_space(text: str) -> str:
    """Collapse white space and drop it next to punctuation."""
    text = " ".join(text.split())
    text = re.sub(r"\s*([{}()\[\],;])\s*", r"\1", text)
    return text


def write_umbrella(work: Path) -> Path:
    """Write a translation unit including all seven headers."""
    src = work / "all_headers.c"
    src.write_text("".join(f'#include "{h}"\n' for h in HEADERS))
    return src


def inside(path: str, include_dir: Path) -> bool:
    """True if a file name from a line marker lies in the include directory."""
    if path.startswith("<"):
        return False
    try:
        Path(os.path.realpath(path)).relative_to(include_dir)
    except ValueError:
        return False
    return True


DEFINE_RE = re.compile(r"#define\s+([A-Za-z_]\w*)(\([^)]*\))?\s*(.*)$")
MARKER_RE = re.compile(r'#\s+\d+\s+"([^"]*)"')


def collect_macros(cc: str, include_dir: Path, work: Path) -> dict[str, tuple[str | None, str]]:
    """Macros defined by the headers: name -> (parameter list or None, body)."""
    src = write_umbrella(work)
    empty = work / "empty.c"
    empty.write_text("")
    inc = f"-I{include_dir}"
    final: dict[str, tuple[str | None, str]] = {}
    for line in must_run([cc, "-dM", "-E", inc, str(src)]).splitlines():
        m = DEFINE_RE.match(line)
        if m:
            final[m.group(1)] = (m.group(2), m.group(3).strip())
    baseline = set()
    for line in must_run([cc, "-dM", "-E", str(empty)]).splitlines():
        m = DEFINE_RE.match(line)
        if m:
            baseline.add(m.group(1))
    # Attribute each definition to the file it is written in.
    origin: dict[str, str] = {}
    current = ""
    for line in must_run([cc, "-dD", "-E", inc, str(src)]).splitlines():
        marker = MARKER_RE.match(line)
        if marker:
            current = marker.group(1)
            continue
        m = DEFINE_RE.match(line)
        if m:
            origin[m.group(1)] = current
    return {
        name: value
        for name, value in final.items()
        if name not in baseline and inside(origin.get(name, "<none>"), include_dir) and value[1] != ""
    }


def preprocess_for_parse(cc: str, include_dir: Path, work: Path) -> str:
    """Preprocessed text of the seven headers, with line markers kept."""
    src = write_umbrella(work)
    return must_run([cc, "-E", "-std=c99", *PARSE_DEFINES, f"-I{include_dir}", str(src)])


def strip_names(node: c_ast.Node) -> c_ast.Node:
    """A copy of a type node with every declarator and parameter name dropped."""
    node = copy.deepcopy(node)

    class Stripper(c_ast.NodeVisitor):
        def visit_TypeDecl(self, n: c_ast.TypeDecl) -> None:
            n.declname = None
            self.generic_visit(n)

        def visit_Decl(self, n: c_ast.Decl) -> None:
            n.name = None
            self.generic_visit(n)

        def visit_Struct(self, n: c_ast.Struct) -> None:
            self._tag(n)

        def visit_Union(self, n: c_ast.Union) -> None:
            self._tag(n)

        def visit_Enum(self, n: c_ast.Enum) -> None:
            n.values = None
            if n.name is None:
                n.name = "<anon>"

        @staticmethod
        def _tag(n: c_ast.Struct | c_ast.Union) -> None:
            n.decls = None
            if n.name is None:
                n.name = "<anon>"

    Stripper().visit(node)
    return node


def render_type(node: c_ast.Node) -> str:
    """Normalized text of a type, without names."""
    gen = c_generator.CGenerator()
    text = gen.visit(c_ast.Typename(name=None, quals=[], align=None, type=strip_names(node)))
    return " ".join(text.split())


def render_proto(decl: c_ast.Decl) -> str:
    """Normalized prototype text ``RET (PARAMS)`` without parameter names."""
    func = decl.type
    ret = render_type(func.type)
    params = []
    if func.args is not None:
        for param in func.args.params:
            if isinstance(param, c_ast.EllipsisParam):
                params.append("...")
            else:
                params.append(render_type(param.type))
    return f"{ret} ({', '.join(params)})"


def inner_tag(node: c_ast.Node) -> c_ast.Node | None:
    """The struct/union/enum node directly under a (typedef) declaration."""
    if isinstance(node, c_ast.TypeDecl) and isinstance(node.type, (c_ast.Struct, c_ast.Union, c_ast.Enum)):
        return node.type
    return None


def add_fields(facts: Facts, owner: str, tag: c_ast.Struct | c_ast.Union, prefix: str = "") -> None:
    """Record the fields of a struct/union (recursing into inline aggregates)."""
    entries = facts.fields.setdefault(owner, [])
    for decl in tag.decls or []:
        inner = inner_tag(decl.type)
        if decl.name is None:
            if isinstance(inner, (c_ast.Struct, c_ast.Union)):
                add_fields(facts, owner, inner, prefix)
            continue
        path = prefix + decl.name
        entries.append((path, decl.bitsize is not None))
        if isinstance(inner, (c_ast.Struct, c_ast.Union)) and inner.decls is not None:
            add_fields(facts, owner, inner, path + ".")
        note_tags(facts, decl.type)


def note_tags(facts: Facts, node: c_ast.Node) -> None:
    """Record named tags and enum constants declared anywhere inside a type."""

    class TagVisitor(c_ast.NodeVisitor):
        def visit_Struct(self, n: c_ast.Struct) -> None:
            self._aggregate(n, "struct")

        def visit_Union(self, n: c_ast.Union) -> None:
            self._aggregate(n, "union")

        def visit_Enum(self, n: c_ast.Enum) -> None:
            if n.name is not None and n.values is not None:
                facts.types.add(f"enum {n.name}")
            if n.values is not None:
                for enumerator in n.values.enumerators:
                    facts.enum_consts.add(enumerator.name)

        def _aggregate(self, n: c_ast.Struct | c_ast.Union, kind: str) -> None:
            if n.name is not None and n.decls is not None:
                owner = f"{kind} {n.name}"
                facts.types.add(owner)
                add_fields(facts, owner, n)

    TagVisitor().visit(node)


def parse_headers(text: str, include_dir: Path) -> Facts:
    """Find typedefs, aggregates, enum constants and prototypes."""
    try:
        ast = c_parser.CParser().parse(text, filename="<preprocessed>")
    except Exception as exc:  # pycparser raises several error classes
        raise GenAbiError(f"pycparser failed: {exc}") from exc
    facts = Facts()
    for node in ast.ext:
        if node.coord is None or not inside(str(node.coord.file), include_dir):
            continue
        if isinstance(node, c_ast.Typedef):
            facts.lines.add(f"typedef {node.name} {render_type(node.type)}")
            if not isinstance(node.type, c_ast.FuncDecl):
                facts.types.add(node.name)
            tag = inner_tag(node.type)
            if isinstance(tag, (c_ast.Struct, c_ast.Union)) and tag.decls is not None:
                add_fields(facts, node.name, tag)
            note_tags(facts, node.type)
        elif isinstance(node, c_ast.Decl):
            if isinstance(node.type, c_ast.FuncDecl):
                facts.lines.add(f"proto {node.name} {render_proto(node)}")
            else:
                note_tags(facts, node.type)
    return facts


def c_string(text: str) -> str:
    """A C string literal for plain identifier-like text."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def build_statements(
    facts: Facts, macros: dict[str, tuple[str | None, str]]
) -> tuple[list[Statement], set[str]]:
    """printf statements for the compiler-computed facts, and fixed lines."""
    stmts: list[Statement] = []
    fixed: set[str] = set()
    for typ in sorted(facts.types):
        stmts.append(
            Statement(
                f'printf("sizeof %s %zu\\n", {c_string(typ)}, sizeof({typ}));',
                f"sizeof {typ} incomplete",
            )
        )
        stmts.append(
            Statement(
                f'printf("alignof %s %zu\\n", {c_string(typ)}, (size_t)_Alignof({typ}));',
                f"alignof {typ} incomplete",
            )
        )
    for owner in sorted(facts.fields):
        for path, is_bitfield in facts.fields[owner]:
            label = f"{owner}.{path}"
            if is_bitfield:
                fixed.add(f"offsetof {label} bitfield")
                continue
            stmts.append(
                Statement(f'printf("offsetof %s %zu\\n", {c_string(label)}, offsetof({owner}, {path}));')
            )
            stmts.append(
                Statement(f'printf("sizeof %s %zu\\n", {c_string(label)}, sizeof((({owner} *)0)->{path}));')
            )
    for const in sorted(facts.enum_consts):
        stmts.append(Statement(f'printf("enum %s %lld\\n", {c_string(const)}, (long long)({const}));'))
    for name in sorted(macros):
        params, body = macros[name]
        textual = f"macro {name}{params or ''} {norm_space(body)}"
        if params is not None or body.startswith("{"):
            fixed.add(textual)
            continue
        stmts.append(Statement(f"ABI_MACRO({c_string(name)}, {name});", textual))
    return stmts, fixed


# With -w the only diagnostics are errors and their notes; any line of the
# generated file they mention (directly or as a macro expansion site) is bad.
DIAG_LINE_RE = re.compile(r"abi_facts\.c:(\d+):")


def compile_and_run(cc: str, include_dir: Path, work: Path, stmts: list[Statement]) -> set[str]:
    """Compile the fact program (dropping statements that do not compile) and run it."""
    active = list(stmts)
    fixed: set[str] = set()
    src = work / "abi_facts.c"
    exe = work / "abi_facts"
    for _ in range(MAX_COMPILE_ROUNDS):
        head = PRINTERS_C + "".join(f'#include "{h}"\n' for h in HEADERS) + "\nint main(void)\n{\n"
        first_line = head.count("\n") + 1
        body = "".join(f"\t{s.code}\n" for s in active)
        src.write_text(head + body + "\treturn 0;\n}\n")
        proc = run([cc, *PROGRAM_FLAGS, f"-I{include_dir}", "-o", str(exe), str(src)])
        if proc.returncode == 0:
            out = must_run([str(exe)])
            return set(out.splitlines()) | fixed
        bad = {int(n) - first_line for n in DIAG_LINE_RE.findall(proc.stderr)}
        bad = {i for i in bad if 0 <= i < len(active)}
        if not bad:
            raise GenAbiError(f"fact program does not compile:\n{proc.stderr}")
        for i in bad:
            if active[i].fallback is not None:
                fixed.add(active[i].fallback)
        active = [s for i, s in enumerate(active) if i not in bad]
    raise GenAbiError("fact program still fails to compile after many rounds")


def generate(include_dir: Path, cc: str = "gcc") -> list[str]:
    """All fact lines of the headers in include_dir, sorted."""
    include_dir = Path(os.path.realpath(include_dir))
    missing = [h for h in HEADERS if not (include_dir / h).is_file()]
    if missing:
        raise GenAbiError(f"missing headers in {include_dir}: {', '.join(missing)}")
    with tempfile.TemporaryDirectory(prefix="gen_abi_") as tmp:
        work = Path(tmp)
        macros = collect_macros(cc, include_dir, work)
        facts = parse_headers(preprocess_for_parse(cc, include_dir, work), include_dir)
        stmts, fixed = build_statements(facts, macros)
        lines = compile_and_run(cc, include_dir, work, stmts) | fixed | facts.lines
    return sorted(lines)


def check(lines: list[str], table: Path) -> int:
    """Compare generated lines with a table; print a unified diff on drift."""
    expected = table.read_text().splitlines()
    if expected == lines:
        return 0
    diff = difflib.unified_diff(expected, lines, fromfile=str(table), tofile="generated", lineterm="")
    sys.stdout.write("\n".join(diff) + "\n")
    return 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "include_dir",
        nargs="?",
        type=Path,
        default=DEFAULT_INCLUDE_DIR,
        help=f"directory holding the seven headers (default: {DEFAULT_INCLUDE_DIR})",
    )
    parser.add_argument("--cc", default=os.environ.get("CC", "gcc"), help="C compiler (default: gcc)")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--out", type=Path, help="write the table to this file")
    group.add_argument("--check", type=Path, help="compare with this table; exit 1 on drift")
    args = parser.parse_args(argv)
    try:
        lines = generate(args.include_dir, args.cc)
    except GenAbiError as exc:
        print(f"gen_abi: {exc}", file=sys.stderr)
        return 2
    if args.check is not None:
        return check(lines, args.check)
    text = "\n".join(lines) + "\n"
    if args.out is not None:
        args.out.write_text(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
