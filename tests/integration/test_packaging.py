# SPDX-License-Identifier: GPL-2.0-or-later
"""Debian packages and module documentation (issue 20): `make deb` builds
kamailio-sylk-modules and sylk-kamailio-server lintian-clean of errors; the
packaged config passes `kamailio -c` with the packaged modules; the units
and files stay clear of Debian's kamailio and rtpengine and pass
systemd-analyze verify; the setup command
makes demo accounts and a test certificate only when asked; the README
check fails on an undocumented parameter."""

import glob
import os
import sqlite3
import subprocess

import pytest

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("BUILD_DIR", os.path.join(TOP, "build"))
DEB_DIR = os.path.join(BUILD, "deb")


def run(*argv, **kw):
    return subprocess.run(argv, capture_output=True, text=True, timeout=600, **kw)


def head():
    return run("git", "-C", TOP, "rev-parse", "HEAD").stdout.strip()


@pytest.fixture(scope="module")
def debs():
    """The packages of the current commit: those `make deb` left in
    build/deb (same commit), or built now."""
    stamp = os.path.join(DEB_DIR, "source-commit")
    fresh = (os.path.exists(stamp) and open(stamp).read().strip() == head()
             and len(glob.glob(os.path.join(DEB_DIR, "*.deb"))) >= 2)
    if not fresh:
        r = run("make", "-C", TOP, f"BUILD={BUILD}", "deb")
        assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    found = {}
    for name in ("kamailio-sylk-modules", "sylk-kamailio-server"):
        paths = glob.glob(os.path.join(DEB_DIR, f"{name}_*.deb"))
        assert len(paths) == 1, paths
        found[name] = paths[0]
    return found


@pytest.fixture(scope="module")
def root(debs, tmp_path_factory):
    """Both packages unpacked into an empty root."""
    path = str(tmp_path_factory.mktemp("root"))
    for deb in debs.values():
        r = run("dpkg-deb", "-x", deb, path)
        assert r.returncode == 0, r.stderr
    return path


def module_dir():
    return run(os.path.join(TOP, "packaging", "kamailio-env.sh"), "module-dir").stdout.strip()


def test_lintian_finds_no_errors(debs):
    r = run("lintian", "--fail-on", "error", *debs.values())
    assert r.returncode == 0, r.stdout + r.stderr
    assert "\nE: " not in "\n" + r.stdout


def test_modules_and_docs_in_kamailios_folders(root, debs):
    mods = root + module_dir()
    for m in ("sylk_websocket", "sylk_rtc", "sylk_conference", "sylk_tcp_guard"):
        assert os.path.exists(os.path.join(mods, f"{m}.so")), m
        assert os.path.exists(os.path.join(
            root, "usr/share/doc/kamailio-sylk-modules", f"README.{m}.md.gz")), m
    depends = run("dpkg-deb", "-f", debs["kamailio-sylk-modules"], "Depends").stdout
    version = run("dpkg-query", "-W", "-f=${Version}", "kamailio").stdout
    assert f"kamailio (= {version})" in depends


def test_packaged_config_checks_with_the_packaged_modules(root):
    cfg = os.path.join(root, "etc/sylk-kamailio/kamailio.cfg")
    # Debian's modules (tm.so, ...) and ours from the package, nothing from build/
    mpath = f"{module_dir()}:{root}{module_dir()}"
    r = run("/usr/sbin/kamailio", "-c", "-f", cfg, "-L", mpath)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert "config file ok" in (r.stdout + r.stderr)


def test_units_and_files_leave_debians_kamailio_alone(root, debs, tmp_path):
    units = sorted(os.listdir(os.path.join(root, "lib/systemd/system")))
    assert units == ["sylk-kamailio.service", "sylk-rtpengine.service"]
    unit = open(os.path.join(root, "lib/systemd/system/sylk-kamailio.service")).read()
    assert "-f /etc/sylk-kamailio/kamailio.cfg" in unit and "User=kamailio" in unit
    rtp = open(os.path.join(root, "lib/systemd/system/sylk-rtpengine.service")).read()
    assert "--config-file=/etc/sylk-kamailio/rtpengine.conf" in rtp
    # nothing under Debian's own config folders; conffiles only ours
    assert not os.path.exists(os.path.join(root, "etc/kamailio"))
    assert not os.path.exists(os.path.join(root, "etc/rtpengine"))
    control = str(tmp_path / "control")
    run("dpkg-deb", "-e", debs["sylk-kamailio-server"], control)
    conffiles = open(os.path.join(control, "conffiles")).read().split()
    assert conffiles and all(c.startswith("/etc/sylk-kamailio/") for c in conffiles)
    # installed disabled and not started: no enable/start in the scripts
    for script in ("postinst", "prerm", "postrm"):
        path = os.path.join(control, script)
        if os.path.exists(path):
            text = open(path).read()
            assert "kamailio.service" not in text.replace("sylk-kamailio.service", "")
            assert "deb-systemd-invoke start" not in text
            assert "deb-systemd-invoke restart" not in text
            # enabled again on upgrade only where the admin had enabled it
            for line in text.splitlines():
                if "deb-systemd-helper enable" in line:
                    assert "was-enabled" in text


def test_units_pass_systemds_own_check(root, tmp_path):
    """systemd-analyze verify reads the units as systemd would: unknown keys,
    bad values and an ExecStart binary that is not there are reported."""
    units = []
    for name in ("sylk-kamailio.service", "sylk-rtpengine.service"):
        dst = tmp_path / name
        dst.write_text(open(os.path.join(root, "lib/systemd/system", name)).read())
        units.append(str(dst))
    r = run("systemd-analyze", "verify", "--man=no", *units)
    assert r.returncode == 0, r.stdout + r.stderr
    # systemd only warns (and goes on) about keys it does not know
    complaints = [line for line in (r.stdout + r.stderr).splitlines()
                  if "sylk-" in line and ".service" in line]
    assert not complaints, complaints
    # and the check itself notices a unit that cannot start
    broken = tmp_path / "broken.service"
    broken.write_text(open(units[0]).read().replace("/usr/sbin/kamailio -DD",
                                                    "/usr/sbin/no-such-kamailio -DD"))
    r = run("systemd-analyze", "verify", "--man=no", str(broken))
    assert r.returncode != 0 and "no-such-kamailio" in r.stdout + r.stderr


def test_setup_makes_demo_accounts_and_certificate_only_when_asked(root, tmp_path):
    setup = os.path.join(root, "usr/sbin/sylk-kamailio-setup")
    env = dict(os.environ, SYLK_SHARE=os.path.join(root, "usr/share/sylk-kamailio"))
    plain = tmp_path / "plain"
    r = run(setup, env=dict(env, STATE_DIR=str(plain)))
    assert r.returncode == 0, r.stdout + r.stderr
    db = sqlite3.connect(str(plain / "sylk.sqlite"))
    assert db.execute("SELECT count(*) FROM subscriber").fetchone()[0] == 0
    assert not (plain / "tls" / "server.pem").exists()

    demo = tmp_path / "demo"
    r = run(setup, "--domain", "example.test", "--demo-accounts", "--test-certificate",
            env=dict(env, STATE_DIR=str(demo)))
    assert r.returncode == 0, r.stdout + r.stderr
    db = sqlite3.connect(str(demo / "sylk.sqlite"))
    rows = db.execute("SELECT username, domain FROM subscriber ORDER BY username").fetchall()
    assert rows == [("alice", "example.test"), ("bob", "example.test"), ("carol", "example.test")]
    assert (demo / "tls" / "server.pem").exists()


def docs_check(top):
    return run("/usr/bin/python3", os.path.join(TOP, "packaging", "docs-check.py"), top)


def copy_modules(tmp_path):
    """modules/ as committed (colleagues' unfinished modules stay out)."""
    top = tmp_path / "tree"
    top.mkdir()
    archive = subprocess.run(["git", "-C", TOP, "archive", "--format=tar", "HEAD", "modules"],
                             capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(top)], input=archive, check=True)
    return top


def problems(top):
    r = docs_check(str(top))
    lines = set(r.stderr.splitlines())
    assert (r.returncode == 0) == (not lines), r.stderr
    return lines


def test_docs_check_passes_on_the_tree_and_fails_on_a_missing_line(tmp_path):
    top = copy_modules(tmp_path)
    before = problems(top)
    assert not any(p.startswith("sylk_websocket:") for p in before), before
    readme = top / "modules" / "sylk_websocket" / "README.md"
    lines = readme.read_text().splitlines(keepends=True)
    readme.write_text("".join(l for l in lines if not l.startswith("| `idle_timeout` |")))
    r = docs_check(str(top))
    assert r.returncode == 1
    assert "sylk_websocket: parameter 'idle_timeout' is not documented under ## Parameters" in \
        set(r.stderr.splitlines()) - before


def test_docs_check_fails_on_a_new_undocumented_parameter(tmp_path):
    top = copy_modules(tmp_path)
    before = problems(top)
    assert not any(p.startswith("sylk_tcp_guard:") for p in before), before
    src = top / "modules" / "sylk_tcp_guard" / "sylk_tcp_guard.c"
    text = src.read_text()
    assert text.count("static param_export_t params[] = {\n") == 1
    src.write_text(text.replace("static param_export_t params[] = {\n",
                                "static param_export_t params[] = {\n"
                                "\t{\"brand_new\", INT_PARAM, &brand_new},\n"))
    r = docs_check(str(top))
    assert r.returncode == 1
    assert "sylk_tcp_guard: parameter 'brand_new' is not documented" in r.stderr
