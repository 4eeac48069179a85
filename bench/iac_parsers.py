"""Compare the HCL parsers on PyPI for the IaC collector: correctness on our test projects and a
syntax matrix, line numbers, and speed on generated Terraform.

    pip install python-hcl2 pygohcl tree-sitter tree-sitter-hcl
    python bench/iac_parsers.py [--files 300]

Each parser runs in its own fresh interpreter, so import and first-use costs are measured cold.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECTS = HERE.parent / "tests" / "iac" / "projects"

# Syntax Terraform accepts that a parser must too (each one is a whole file).
MATRIX = {
    "template_if_with_quotes": 'locals {\n  a = "%{ if var.env == "prod" }x%{ else }y%{ endif }"\n}\n',
    "provider_function": 'locals {\n  a = provider::aws::arn_parse("arn:aws:s3:::b")\n}\n',
    "multiline_ternary": 'locals {\n  a = (\n    var.x\n    ? "a"\n    : "b"\n  )\n}\n',
    "optional_type": 'variable "v" {\n  type = object({ a = optional(string, "x") })\n}\n',
    "indented_heredoc": 'locals {\n  p = <<-EOT\n    {"a": "b"}\n  EOT\n}\n',
    "escaped_interpolation": 'locals {\n  a = "$${not_interpolated}"\n}\n',
    "nested_interpolation": 'locals {\n  a = "${"${"${var.x}"}"}"\n}\n',
    "for_object_grouping": 'locals {\n  a = { for k, v in var.m : v => k... }\n}\n',
    "splat_and_legacy_index": 'locals {\n  a = var.l[*].id\n  b = var.l.0\n}\n',
    "check_and_import_blocks": 'import {\n  to = aws_s3_bucket.b\n  id = "b"\n}\ncheck "c" {\n  assert {\n    condition = true\n    error_message = "x"\n  }\n}\n',
}

PARSERS = {
    "tree-sitter-hcl": textwrap.dedent(
        """
        import tree_sitter, tree_sitter_hcl
        parser = tree_sitter.Parser(tree_sitter.Language(tree_sitter_hcl.language()))
        def parse(data):
            tree = parser.parse(data)
            if tree.root_node.has_error:
                raise ValueError("syntax error")
            return tree.root_node.start_point[0] + 1  # every node carries its start and end position
        """
    ),
    "python-hcl2": textwrap.dedent(
        """
        import hcl2
        from hcl2 import SerializationOptions
        opts = SerializationOptions(strip_string_quotes=True, explicit_blocks=False, with_comments=False, preserve_heredocs=False)
        def parse(data):
            hcl2.loads(data.decode(), serialization_options=opts)
            return None  # no line numbers in the dict output (with_meta is ignored in 8.x)
        """
    ),
    "pygohcl": textwrap.dedent(
        """
        import pygohcl
        def parse(data):
            pygohcl.loads(data.decode())
            return None  # dict output without positions
        """
    ),
}

RUNNER = textwrap.dedent(
    """
    import json, sys, time, tracemalloc
    t0 = time.perf_counter()
    {setup}
    t_import = time.perf_counter() - t0
    files = json.loads(sys.stdin.read())
    datas = [open(f, "rb").read() for f in files["corpus"]]
    failures, lines = [], 0
    for name, path in files["correctness"].items():
        try:
            if parse(open(path, "rb").read()) is not None:
                lines += 1
        except Exception as exc:
            failures.append(name)
    t1 = time.perf_counter()
    for data in datas:
        parse(data)
    first = time.perf_counter() - t1
    t2 = time.perf_counter()
    for data in datas:
        parse(data)
    second = time.perf_counter() - t2
    print(json.dumps({{"import_s": t_import, "first_pass_s": first, "second_pass_s": second,
                      "failures": failures, "with_lines": lines, "checked": len(files["correctness"])}}))
    """
)


def generate(directory: Path, count: int) -> list[Path]:
    sys.path.insert(0, str(HERE))
    from iac_scan import generate_terraform  # the same generator as the scan benchmark

    return generate_terraform(directory, count)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        corpus = generate(root / "corpus", args.files)
        correctness: dict[str, str] = {}
        for path in sorted(PROJECTS.rglob("*.tf")):
            if path.parent.name != "broken":
                correctness[str(path.relative_to(PROJECTS))] = str(path)
        for name, text in MATRIX.items():
            path = root / f"matrix_{name}.tf"
            path.write_text(text)
            correctness[f"matrix:{name}"] = str(path)
        size = sum(p.stat().st_size for p in corpus)
        print(f"corpus: {len(corpus)} generated .tf files, {size / 1024:.0f} KiB; correctness set: {len(correctness)} files")
        print(f"{'parser':18} {'import':>8} {'1st pass':>9} {'2nd pass':>9} {'KiB/s':>7} {'ok':>6} {'lines':>6}  failures")
        for name, setup in PARSERS.items():
            code = RUNNER.format(setup=textwrap.indent(setup, "").strip())
            proc = subprocess.run(
                [sys.executable, "-c", code],
                input=json.dumps({"corpus": [str(p) for p in corpus], "correctness": correctness}),
                capture_output=True, text=True,
            )
            if proc.returncode != 0:
                print(f"{name:18} not available: {proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else proc.returncode}")
                continue
            r = json.loads(proc.stdout)
            ok = r["checked"] - len(r["failures"])
            print(
                f"{name:18} {r['import_s']:7.3f}s {r['first_pass_s']:8.3f}s {r['second_pass_s']:8.3f}s "
                f"{size / 1024 / r['second_pass_s']:7.0f} {ok:>3}/{r['checked']:<3} {r['with_lines']:>5}  {', '.join(r['failures']) or '-'}"
            )


if __name__ == "__main__":
    main()
