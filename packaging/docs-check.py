#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Checks that every module's README.md documents what its C source exports,
so the two cannot drift apart (`make docs-check`, run by `make test`).

Read from modules/<module>/*.c: the parameters (param_export_t), the
functions (cmd_export_t), the RPC commands (rpc_export_t) and the
statistics (stat_export_t, counter_def_t). Each README must have the
sections of a Kamailio module README (Overview, Dependencies, Parameters,
Functions, RPC commands, Statistics) and name in them:
  - every parameter as `name` under "## Parameters", with an example
    modparam("<module>", "name", ...) somewhere in the README;
  - every function as `name(` under "## Functions" (bind_* entries are
    the C API of the module, not script functions);
  - every RPC command as `module.command` under "## RPC commands";
  - every statistic as `name` under "## Statistics".
Prints what is missing and exits 1; exits 0 when all is there.

Usage: docs-check.py [TOP]   (TOP: the source tree, default: this one)
"""

import os
import re
import sys

SECTIONS = ("Overview", "Dependencies", "Parameters", "Functions", "RPC commands", "Statistics")


def table(source, ctype):
    """The entries of every `ctype name[] = { ... };` array, as text."""
    return [m.group(1) for m in
            re.finditer(r"\b" + ctype + r"\s+\w+\s*\[\s*\]\s*=\s*\{(.*?)\n\};", source, re.S)]


def names(source, ctype, pattern):
    found = []
    for body in table(source, ctype):
        found += re.findall(pattern, body)
    return found


def exports(module_dir):
    source = ""
    for name in sorted(os.listdir(module_dir)):
        if name.endswith(".c"):
            with open(os.path.join(module_dir, name), encoding="utf-8") as f:
                source += f.read() + "\n"
    # comments may hold example entries
    source = re.sub(r"/\*.*?\*/", "", source, flags=re.S)
    return {
        "params": names(source, "param_export_t", r'\{\s*"(\w+)"'),
        "functions": names(source, "cmd_export_t", r'\{\s*"(\w+)"'),
        "rpc": names(source, "rpc_export_t", r'\{\s*"([\w.]+)"'),
        "stats": names(source, "stat_export_t", r'\{\s*"(\w+)"')
        + names(source, "counter_def_t", r'\{\s*&[^,]+,\s*"(\w+)"'),
    }


def sections(readme):
    """{title: text} of the README's "## " sections."""
    out = {}
    parts = re.split(r"^## +(.+?)\s*$", readme, flags=re.M)
    for i in range(1, len(parts) - 1, 2):
        out[parts[i]] = parts[i + 1]
    return out


def section(secs, title):
    for name, text in secs.items():
        if name == title or name.startswith(title + " "):
            return text
    return None


def check_module(top, module):
    problems = []
    module_dir = os.path.join(top, "modules", module)
    readme_path = os.path.join(module_dir, "README.md")
    if not os.path.exists(readme_path):
        return [f"{module}: no README.md"]
    with open(readme_path, encoding="utf-8") as f:
        readme = f.read()
    secs = sections(readme)
    for title in SECTIONS:
        if section(secs, title) is None:
            problems.append(f"{module}: README.md has no '## {title}' section")
    ex = exports(module_dir)
    params = section(secs, "Parameters") or ""
    for p in ex["params"]:
        if f"`{p}`" not in params:
            problems.append(f"{module}: parameter '{p}' is not documented under ## Parameters")
        if not re.search(r'modparam\("' + re.escape(module) + r'",\s*"' + re.escape(p) + '"',
                         readme):
            problems.append(f'{module}: parameter \'{p}\' has no modparam("{module}", "{p}", ...) example')
    functions = section(secs, "Functions") or ""
    # bind_<module>: the C API other modules load, not a script function
    for fn in ex["functions"]:
        if fn.startswith("bind_"):
            continue
        if f"`{fn}(" not in functions:
            problems.append(f"{module}: function '{fn}' is not documented under ## Functions")
    rpc = section(secs, "RPC commands") or ""
    for cmd in ex["rpc"]:
        if not re.search(r"`" + re.escape(cmd) + r"[`\s]", rpc):
            problems.append(f"{module}: RPC command '{cmd}' is not documented under ## RPC commands")
    stats = section(secs, "Statistics") or ""
    for st in ex["stats"]:
        if f"`{st}`" not in stats:
            problems.append(f"{module}: statistic '{st}' is not documented under ## Statistics")
    return problems


def main():
    top = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                          os.path.join(os.path.dirname(__file__), ".."))
    modules_dir = os.path.join(top, "modules")
    modules = sorted(m for m in os.listdir(modules_dir)
                     if m != "common" and os.path.isdir(os.path.join(modules_dir, m))
                     and any(n.endswith(".c") for n in os.listdir(os.path.join(modules_dir, m))))
    problems = []
    counts = []
    for module in modules:
        problems += check_module(top, module)
        ex = exports(os.path.join(modules_dir, module))
        counts.append(f"{module} {sum(len(v) for v in ex.values())}")
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        print(f"docs-check: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print("docs-check: every export is documented (" + ", ".join(counts) + ")")
    return 0


if __name__ == "__main__":
    sys.exit(main())
