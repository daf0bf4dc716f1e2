# SPDX-License-Identifier: GPL-2.0-or-later
"""Fails the run when the JUnit report shows no test, a failure, an error or
a skipped test: a skipped test is not a passed one."""

import sys
import xml.etree.ElementTree as ET

root = ET.parse(sys.argv[1]).getroot()
suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
total = sum(int(s.get("tests", 0)) for s in suites)
bad = {k: sum(int(s.get(k, 0)) for s in suites) for k in ("failures", "errors", "skipped")}
print(f"{sys.argv[1]}: {total} tests, {bad['failures']} failures, "
      f"{bad['errors']} errors, {bad['skipped']} skipped")
if total == 0 or any(bad.values()):
    sys.exit(1)
