"""The store, history, export and dashboard end to end, as a user runs them on a fresh clone:
  python3 -m unittest discover -s scripts -p 'test_history.py'
Two timed smoke runs of the built dcnbench go into an SQLite store (added by two processes at
once); history gives two runs per point; the export is google/benchmark JSON; the dashboard
renders in Debian's headless Chromium. Needs a built dcnbench and chromium (`.ci/run` has both).
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from pagecheck import ROOT, check_screenshot, dcnbench, render  # noqa: E402


class HistoryEndToEnd(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.exe = dcnbench()
        cls.dir = tempfile.mkdtemp()
        cls.store = os.path.join(cls.dir, "store.sqlite")
        cls.runs = []
        for name in ["a", "b"]:
            out = os.path.join(cls.dir, f"{name}.csv")
            # Short samples, two processes each (so every run has its interval over processes).
            cls.dcn("sweep", "--preset", "smoke", "--samples", "3", "--processes", "2", "--no-probes", "--quiet",
                    "--out", out)
            cls.runs.append(out)
        # Two writers at once.
        adds = [subprocess.Popen([cls.exe, "store", "add", run, "--store", cls.store], cwd=ROOT,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for run in cls.runs]
        cls.added = [p.communicate(timeout=300) + (p.returncode,) for p in adds]

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir)

    @classmethod
    def dcn(cls, *args, check=True):
        r = subprocess.run([cls.exe, *args], cwd=ROOT, capture_output=True, text=True, timeout=900)
        if check and r.returncode != 0:
            raise AssertionError(f"dcnbench {' '.join(args)} exited {r.returncode}: {r.stderr}")
        return r

    def test_added_concurrently_once(self):
        for out, err, code in self.added:
            self.assertEqual(code, 0, err)
            self.assertIn("added run", out)
        again = self.dcn("store", "add", self.runs[0], "--store", self.store)
        self.assertIn("already stored", again.stdout)
        runs = json.loads(self.dcn("store", "runs", "--json", "--store", self.store).stdout)
        self.assertEqual(len(runs), 2)
        self.assertTrue(all(r["samples"] > 0 and r["points"] > 0 for r in runs))

    def test_history_has_two_runs_per_point(self):
        history = json.loads(self.dcn("history", "--json", "--store", self.store).stdout)
        self.assertEqual(history["order"], "git")
        listed = json.loads(self.dcn("list", "--preset", "smoke", "--json").stdout)["points"]
        names = {s["name"] for s in history["series"]}
        self.assertEqual(names, {p["name"] for p in listed})
        for s in history["series"]:
            self.assertEqual(len(s["entries"]), 2, s["name"])
            for e in s["entries"]:
                self.assertGreater(e["value"], 0)
                self.assertEqual(e["processes"], 2)
                self.assertLessEqual(e["low"], e["high"])
        # Two runs cannot show a change point (segments of 3 runs at least): the check passes.
        self.assertEqual(self.dcn("history", "--check", "--store", self.store, check=False).returncode, 0)

    def test_gbench_json(self):
        doc = json.loads(self.dcn("store", "export", "--run", "latest", "--store", self.store).stdout)
        context = doc["context"]
        for key, kind in [("date", str), ("host_name", str), ("executable", str), ("num_cpus", int),
                          ("caches", list), ("library_build_type", str)]:
            self.assertIsInstance(context[key], kind, key)
        self.assertGreater(len(doc["benchmarks"]), 0)
        for b in doc["benchmarks"]:
            for key, kind in [("name", str), ("run_name", str), ("run_type", str), ("iterations", int),
                              ("real_time", float), ("cpu_time", float), ("time_unit", str), ("threads", int)]:
                self.assertIsInstance(b[key], kind, key)
            self.assertEqual(b["time_unit"], "ns")
            self.assertGreater(b["real_time"], 0)

    def test_dashboard_renders(self):
        site = os.path.join(self.dir, "site")
        self.dcn("dashboard", "--out", site, "--store", self.store)
        scratch = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, scratch)
        dom, shot = render(os.path.join(site, "index.html"), scratch)
        series = json.loads(self.dcn("history", "--json", "--store", self.store).stdout)["series"]
        self.assertEqual(dom.count("<tr>"), len(series) + 1)  # the header and one row per series
        page = next(p for p in sorted(os.listdir(site)) if p != "index.html")
        dom, shot = render(os.path.join(site, page), scratch)
        self.assertIn('class="series"', dom)
        self.assertEqual(dom.count('class="run"'), 2)
        self.assertIn('id="series"', dom)
        check_screenshot(self, shot)


if __name__ == "__main__":
    unittest.main()
