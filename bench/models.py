"""Benchmark: the auditor's model scanner against modelscan, picklescan and fickling.

One run does everything:

1. installs the peers, and the ML libraries that write the benign files, into throwaway
   virtualenvs (cached under ``$AUDITOR_BENCH_CACHE`` or ``~/.cache/auditor-bench``);
2. builds the corpus into that cache (bench/model_corpus.py: the malicious families of the
   peers' own test suites and the tests' corpus, written by the script; benign files saved with
   joblib, scikit-learn, numpy, pandas, torch, TorchScript, Keras, safetensors and ONNX) and
   records per tool true and false positives, misses, errors, precision, recall and CPU time;
3. writes a 1 GiB PyTorch-style zip checkpoint and a ~50 MB opcode-dense pickle and measures
   wall time, CPU time (user+sys) and peak RSS of one process per scan;
4. prints a Markdown report, and with ``--write`` replaces the supply-chain section of
   docs/performance.md.

Usage: python bench/models.py [--workdir DIR] [--write] [--skip-large] [--rebuild]
(``--skip-large`` with ``--write`` replaces only the detection part of the section.)
Nothing scanned here is ever loaded: every payload would only create a marker file, and the
script fails if that marker appears.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import pickle
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
PEERS = {"picklescan": "picklescan==1.0.5", "modelscan": "modelscan==0.8.8", "fickling": "fickling==0.1.12"}
# Libraries that write the benign real-world files (CPU torch; Keras on the torch backend).
ML_LIBRARIES = ["torch==2.13.0", "numpy", "joblib", "scikit-learn", "pandas", "keras", "h5py", "safetensors", "onnx"]
DETECTION_START = "<!-- models-detection:start -->"
DETECTION_END = "<!-- models-detection:end -->"
SECTION_START = "<!-- supply-chain:start -->"
SECTION_END = "<!-- supply-chain:end -->"
NOTES = """### Reading these figures

- The malicious part is written by bench/model_corpus.py from the patterns of the peers' own
  test suites (picklescan's advisories, fickling's bypass tests, modelscan's formats) plus the
  tests' corpus, so it measures coverage of known families, not of unknown ones; the benign part
  is saved by the real libraries (scikit-learn/joblib in every compression, numpy, pandas, torch
  state dicts, full models and legacy files, TorchScript, Keras, safetensors, ONNX). The peers'
  misses are mostly resolution (module aliases, `__builtins__` through a module, computed names),
  containers (legacy PyTorch, joblib with arrays or compression, nested archives, Keras configs)
  and non-pickle extensions; fickling's false positives are its "non-standard import" rule on
  numpy/torch/sklearn names.
- The auditor's per-process floor is the CLI's start-up (about 0.5 s of CPU: the check registry,
  compliance frameworks and report writers), which dominates small files and the 1 GiB
  checkpoint; the scan itself never opens tensor members. `--no-hash` was used except on the
  "with SHA-256" rows (the BOM and lineage need the hash; it costs about 0.7 s of CPU per GiB here).
- Peak memory stays near the interpreter's baseline whatever the file size (46-55 MiB), while
  the peers hold every opcode (1.5-1.9 GiB on the 51 MB dense pickle).
- Target check: at least 3x less CPU than the fastest peer on the opcode-dense pickle is met
  (6.8x in process totals, 9.5x net of start-up, on 2026-12-06); the 10x aim is nearly met: the
  pure-Python opcode loop costs about 0.4 us per opcode against the peers' 2-3 us.
"""


def load_corpus_module() -> Any:
    spec = importlib.util.spec_from_file_location("bench_corpus", REPO / "tests" / "files" / "corpus.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def ensure_peer(name: str, cache: Path) -> Path:
    venv = cache / f"venv-{name}"
    exe = venv / "bin" / name
    if exe.exists():
        return venv
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    extra = ["typing_extensions"] if name == "fickling" else []  # its 0.1.12 wheel omits this dependency
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", PEERS[name], *extra], check=True)
    return venv


def ensure_ml_venv(cache: Path) -> Path:
    venv = cache / "venv-ml"
    python = venv / "bin" / "python"
    if not (venv / ".complete").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", *ML_LIBRARIES], check=True)
        (venv / ".complete").write_text("\n".join(ML_LIBRARIES))
    return python


def build_corpus(cache: Path, rebuild: bool) -> tuple[Path, dict[str, str], list[str]]:
    """The whole corpus in the cache: peers' families + tests' corpus, and real-library files."""
    root = cache / "model-corpus"
    manifest = root / "expected.json"
    if manifest.exists() and not rebuild:
        saved = json.loads(manifest.read_text())
        return root, saved["expected"], saved["skipped"]
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    families = json.loads(generate("families", root / "peers", cache / "MARKER"))
    ml_python = ensure_ml_venv(cache)
    env = {**os.environ, "KERAS_BACKEND": "torch"}
    out = subprocess.run([str(ml_python), str(REPO / "bench" / "model_corpus.py"), "real", str(root / "real")],
                         capture_output=True, text=True, check=True, env=env, cwd=tempfile.gettempdir())
    real = json.loads(out.stdout)
    expected = {f"peers/{k}": v for k, v in families.items()} | {f"real/{k}": v for k, v in real["expected"].items()}
    manifest.write_text(json.dumps({"expected": expected, "skipped": real["skipped"]}, indent=1))
    return root, expected, real["skipped"]


def timed(cmd: list[str], timeout: float = 1800) -> dict[str, Any]:
    """Run one process; wall, CPU (user+sys of the child) and peak RSS via wait4."""
    start = time.perf_counter()
    # Peers may write side files into their working directory (fickling: safety_results.json).
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tempfile.gettempdir())
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        return {"rc": None, "wall": timeout, "out": out.decode(errors="replace"), "err": "timeout"}
    wall = time.perf_counter() - start
    return {"rc": proc.returncode, "wall": wall, "out": out.decode(errors="replace"), "err": err.decode(errors="replace")}


def timed_rusage(cmd: list[str]) -> dict[str, Any]:
    """Like ``timed`` but with exact per-process CPU and peak RSS (os.wait4)."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=tempfile.gettempdir())
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return {"rc": proc.returncode, "wall": wall, "cpu": usage.ru_utime + usage.ru_stime,
                "rss": usage.ru_maxrss / 1024, "out": out.read().decode(errors="replace"),
                "err": err.read().decode(errors="replace")[-500:]}


def peer_cmd(name: str, venv: Path, path: Path) -> list[str]:
    exe = str(venv / "bin" / name)
    if name == "picklescan":
        return [exe, "--path", str(path)]
    if name == "modelscan":
        return [exe, "-p", str(path)]
    return [exe, "--check-safety", str(path)]


def peer_outcome(name: str, result: dict[str, Any]) -> str:
    rc = result["rc"]
    text = result["out"] + result["err"]
    if name == "picklescan":
        return {0: "clean", 1: "flagged"}.get(rc, "error")
    if name == "modelscan":
        if rc == 1:
            return "flagged"
        return {0: "clean", 3: "not recognised"}.get(rc, "error")  # 3: no file it supports
    # fickling exits 1 both for "unsafe" and for a crash, and prints a warning for parse errors.
    if "Traceback" in text or "Parsing errors" in text:
        return "error"
    return "clean" if rc == 0 else "flagged"


def auditor_cmd(paths: list[Path], output: Path, *, hash_models: bool = False) -> list[str]:
    cmd = [sys.executable, "-m", "auditor", "scan", "files", *map(str, paths), "--format", "json", "--output", str(output),
           "--force", "--no-store", "-q", "--allow-partial", "--fail-on", "none"]
    if not hash_models:
        cmd.append("--no-hash")
    return cmd


def auditor_outcomes(result_file: Path) -> dict[str, str]:
    result = json.loads(result_file.read_text())
    outcomes: dict[str, str] = {}
    for item in result.get("inventory", []):
        if item.get("kind") != "ModelArtifact":
            continue
        ce = item.get("code_execution")
        outcomes[item["ref"]["id"]] = "flagged" if ce else ("error" if ce is None else "clean")
    return outcomes


def corpus_run(cache: Path, work: Path, venvs: dict[str, Path], rebuild: bool) -> tuple[str, list[str], dict[str, dict[str, float]]]:
    root, expected, skipped = build_corpus(cache, rebuild)
    marker = cache / "MARKER"
    rows: dict[str, dict[str, str]] = {name: {} for name in expected}
    out = work / "auditor-corpus.json"
    run = timed_rusage(auditor_cmd([root], out))
    ours = auditor_outcomes(out)
    cpu = {"auditor": run["cpu"]}
    for name in expected:
        rows[name]["auditor"] = ours.get(name, "not recognised")
    for peer, venv in venvs.items():
        cpu[peer] = 0.0
        for name in expected:
            result = timed_rusage(peer_cmd(peer, venv, root / name))
            cpu[peer] += result["cpu"]
            rows[name][peer] = peer_outcome(peer, result)
    if marker.exists():
        raise SystemExit("a payload ran: the marker file exists")
    tools = ["auditor", *venvs]
    mal = [n for n, v in expected.items() if v == "malicious"]
    ben = [n for n, v in expected.items() if v == "benign"]
    real = [n for n in ben if n.startswith("real/")]
    lines = ["| tool | TP (malicious flagged) | FN (missed) | errors on malicious | FP (benign flagged) | "
             "FP on real-library files | errors on benign | precision | recall | CPU s |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    scores: dict[str, dict[str, float]] = {}
    for tool in tools:
        tp = sum(rows[n][tool] == "flagged" for n in mal)
        fn = sum(rows[n][tool] in ("clean", "not recognised") for n in mal)
        errs = sum(rows[n][tool] == "error" for n in mal)
        fp = sum(rows[n][tool] == "flagged" for n in ben)
        fp_real = sum(rows[n][tool] == "flagged" for n in real)
        berr = sum(rows[n][tool] == "error" for n in ben)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / len(mal)  # an error on a malicious file is not a detection
        scores[tool] = {"precision": precision, "recall": recall, "fp": fp}
        lines.append(f"| {tool} | {tp}/{len(mal)} | {fn} | {errs} | {fp}/{len(ben)} | {fp_real}/{len(real)} | {berr} | "
                     f"{precision:.3f} | {recall:.3f} | {cpu[tool]:.1f} |")
    gaps = []
    for n in mal:
        if rows[n]["auditor"] != "flagged" and any(rows[n][p] == "flagged" for p in venvs):
            gaps.append(f"{n}: auditor {rows[n]['auditor']}, peers " + ", ".join(f"{p} {rows[n][p]}" for p in venvs))
    wrong = [f"{n}: expected {expected[n]}, auditor {rows[n]['auditor']}" for n in sorted(expected)
             if (expected[n] == "malicious") != (rows[n]["auditor"] == "flagged")]
    detail = ["", "<details><summary>per-file outcomes</summary>", "", "| file | expected | " + " | ".join(tools) + " |",
              "|---|---|" + "---|" * len(tools)]
    for n in sorted(expected):
        detail.append(f"| {n} | {expected[n]} | " + " | ".join(rows[n][t] for t in tools) + " |")
    detail += ["", "</details>"]
    families = len([n for n in mal if n.startswith("peers/gadgets/")])
    summary = "\n".join([
        f"{len(expected)} files: {len(mal)} malicious (all run code when loaded: {families} gadget pickles from the "
        "peers' advisories and bypass tests, opcode shapes, containers, the tests' corpus) and "
        f"{len(ben)} benign ({len(real)} saved with the real libraries"
        + (f"; not installed: {', '.join(skipped)}" if skipped else "") + "). Precision = TP / (TP + FP); recall = "
        "TP / malicious files, so an error on a malicious file counts as a miss. CPU is the process total "
        "(user + system): one auditor process in directory mode, one peer process per file.",
        "",
        *lines,
        "",
        f"Auditor directory-mode run: {run['wall']:.2f} s wall, {run['cpu']:.2f} s CPU, {run['rss']:.0f} MiB peak RSS.",
        "",
        "Files the auditor judges wrongly: " + ("none." if not wrong else "\n- " + "\n- ".join(wrong)),
        *detail,
    ])
    return summary, gaps, scores


def write_checkpoint(path: Path, size: int) -> None:
    """A PyTorch-style zip: archive/data.pkl plus one stored tensor member of ``size`` bytes."""
    corpus = load_corpus_module()
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        zf.writestr("archive/data.pkl", corpus.torch_rebuild_pickle())
        zf.writestr("archive/version", "3\n")
        block = bytes(1 << 24)
        with zf.open("archive/data/0", "w", force_zip64=True) as member:
            for _ in range(size // len(block)):
                member.write(block)


def write_dense(path: Path) -> None:
    path.write_bytes(pickle.dumps({f"tok{i}": i for i in range(2_900_000)}, protocol=4))


def write_tiny(path: Path) -> None:
    path.write_bytes(pickle.dumps({"a": 1}, protocol=4))


def large_run(work: Path, venvs: dict[str, Path]) -> tuple[str, dict[str, dict[str, float]]]:
    files = {"tiny.pkl": "tiny", "checkpoint-1g.pt": "checkpoint", "vocab-dense.pkl": "dense"}
    paths = {}
    for name, what in files.items():
        path = work / name
        if not path.exists():
            generate(what, path)
        paths[name] = path
    lines = ["| file | size MB | tool | outcome | wall s | CPU s | peak RSS MiB |", "|---|---|---|---|---|---|---|"]
    cpu: dict[str, dict[str, float]] = {}
    for name, path in paths.items():
        size = path.stat().st_size / 1e6
        runs: list[tuple[str, list[str], Any]] = [
            ("auditor", auditor_cmd([path], work / "auditor-large.json"), None),
            ("auditor (with SHA-256)", auditor_cmd([path], work / "auditor-large.json", hash_models=True), None),
        ]
        runs += [(peer, peer_cmd(peer, venv, path), peer) for peer, venv in venvs.items()]
        for tool, cmd, peer in runs:
            result = timed_rusage(cmd)
            if peer is None:
                outcome = auditor_outcomes(work / "auditor-large.json").get(name, "?")
            else:
                outcome = peer_outcome(peer, result)
            cpu.setdefault(name, {})[tool] = result["cpu"]
            lines.append(f"| {name} | {size:.1f} | {tool} | {outcome} | {result['wall']:.2f} | {result['cpu']:.2f} | {result['rss']:.0f} |")
    return "\n".join(lines), cpu


def generate(what: str, *args: Path) -> str:
    """Write test files in a child process, so this process stays small: a forked child's peak
    RSS counts the parent's memory until it execs, which would inflate every measurement."""
    proc = subprocess.run([sys.executable, __file__, "--generate", what, *map(str, args)], capture_output=True,
                          text=True, check=True)
    return proc.stdout


def _generate_main(what: str, args: list[str]) -> None:
    if what == "corpus":
        print(json.dumps(load_corpus_module().build(Path(args[0]), Path(args[1]))))
    elif what == "families":
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from model_corpus import write_peer_families

        print(json.dumps(write_peer_families(Path(args[0]), Path(args[1]), load_corpus_module())))
    elif what == "checkpoint":
        write_checkpoint(Path(args[0]), 1 << 30)
    elif what == "dense":
        write_dense(Path(args[0]))
    else:
        write_tiny(Path(args[0]))


def _replace_detection(text: str, detection: str) -> str:
    """Only the detection part of the section (a run without the large files keeps their figures)."""
    if DETECTION_START in text and DETECTION_END in text:
        before, rest = text.split(DETECTION_START, 1)
        return before + detection + rest.split(DETECTION_END, 1)[1]
    start = text.index("### Detection on the generated corpus")
    end = text.index("### Large files", start)
    return text[:start] + detection + "\n\n" + text[end:]


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--generate":
        _generate_main(sys.argv[2], sys.argv[3:])
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "auditor-bench-models")
    parser.add_argument("--cache", type=Path, default=Path(os.environ.get("AUDITOR_BENCH_CACHE", Path.home() / ".cache" / "auditor-bench")))
    parser.add_argument("--write", action="store_true", help="replace the supply-chain section of docs/performance.md")
    parser.add_argument("--skip-large", action="store_true")
    parser.add_argument("--rebuild", action="store_true", help="write the corpus in the cache again")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    args.cache.mkdir(parents=True, exist_ok=True)
    venvs = {name: ensure_peer(name, args.cache) for name in PEERS}
    corpus_md, gaps, _ = corpus_run(args.cache, args.workdir, venvs, args.rebuild)
    large_md, cpu = ("(skipped)", {}) if args.skip_large else large_run(args.workdir, venvs)
    ratio = ""
    dense = cpu.get("vocab-dense.pkl", {})
    if dense:
        fastest_peer = min((v, k) for k, v in dense.items() if not k.startswith("auditor"))
        ratio = (f"\nOn the opcode-dense pickle the auditor used {dense['auditor']:.2f} s of CPU against "
                 f"{fastest_peer[0]:.2f} s for the fastest peer ({fastest_peer[1]}): "
                 f"{fastest_peer[0] / dense['auditor']:.1f}x less (process totals, start-up included)")
        tiny = cpu.get("tiny.pkl", {})
        if tiny:
            ours = dense["auditor"] - tiny["auditor"]
            theirs = fastest_peer[0] - tiny[fastest_peer[1]]
            ratio += (f"; net of each tool's start-up on a 21-byte pickle, {ours:.2f} s against {theirs:.2f} s, "
                      f"{theirs / ours:.1f}x less.\n")
    load = os.getloadavg()
    detection = "\n".join([
        DETECTION_START,
        "### Detection: the peers' own test families, the tests' corpus and real-library files",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load average {load[0]:.1f}.",
        "",
        corpus_md,
        "",
        "Malicious files a peer flags and the auditor does not: " + ("none." if not gaps else "\n- " + "\n- ".join(gaps)),
        DETECTION_END,
    ])
    report = "\n".join([
        SECTION_START,
        "## Model files (supply chain): auditor vs picklescan, modelscan, fickling",
        "",
        f"Generated by `python bench/models.py --write` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
        f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPUs, load average "
        f"{load[0]:.1f} at the end (the machine was shared; CPU time is the steadier column). Peers: "
        + ", ".join(PEERS.values()) + ", each in its own virtualenv, one process per file. The auditor ran "
        "`auditor scan files` (directory mode for the corpus, one process per large file).",
        "",
        detection,
        "",
        "### Large files: one process per scan",
        "",
        large_md,
        ratio,
        NOTES,
        SECTION_END,
    ])
    print(report)
    if args.write:
        doc = REPO / "docs" / "performance.md"
        text = doc.read_text() if doc.exists() else "# Performance\n"
        if args.skip_large and SECTION_START in text:
            text = _replace_detection(text, detection)
        elif SECTION_START in text and SECTION_END in text:
            before, rest = text.split(SECTION_START, 1)
            after = rest.split(SECTION_END, 1)[1]
            text = before + report + after
        else:
            text = text.rstrip() + "\n\n" + report + "\n"
        doc.write_text(text)
    if gaps:
        sys.exit(1)


if __name__ == "__main__":
    main()

