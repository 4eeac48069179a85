"""The HCL expression evaluator on its own: what resolves, and what stays unknown."""

from __future__ import annotations

from typing import Any

import pytest

from auditor.collectors.iac.terraform.evaluate import Evaluator
from auditor.collectors.iac.terraform.hcl import HclSyntaxError, parse_hcl
from auditor.collectors.iac.values import UNKNOWN_TEXT, Unknown


def ev(expr: str, **names: Any) -> Any:
    src = f"v = {expr}\n".encode()
    hcl = parse_hcl(src, "t.tf")
    return Evaluator(src, lambda n: names.get(n, Unknown(f"{n} unset"))).eval(hcl.body.attrs["v"].node)


@pytest.mark.parametrize(
    ("expr", "value"),
    [
        ('"a-${1 + 2}"', "a-3"),
        ("!true", False),
        ("-5 + 2", -3),
        ("(1 + 2) * 3", 9),
        ('x == "prod" ? 1 : 0', 1),
        ("[for k, v in m : v if k != \"a\"]", [2]),
        ("{for k, v in m : v => k}", {"1": "a", "2": "b"}),
        ('merge(m, { c = 3 })["c"]', 3),
        ("l[*].id", [1, 2]),
        ("l.0.id", 1),
        ('lookup(m, "z", 9)', 9),
        ('join(",", [for i in range(3) : tostring(i)])', "0,1,2"),
        ('jsonencode({ A = [1, "b"] })', '{"A":[1,"b"]}'),
        ('"%{ if x == "prod" }on%{ else }off%{ endif }"', "on"),
        ('"$${literal}"', "${literal}"),
        ('"tab\\tquote\\""', 'tab\tquote"'),
        ("true && !false", True),
        ('try(unset.x, "fallback")', "fallback"),
        ("length(l)", 2),
        ('format("%s-%d", "a", 1)', "a-1"),
        ("1.5e3", 1500.0),
    ],
)
def test_values(expr: str, value: Any) -> None:
    assert ev(expr, x="prod", m={"a": 1, "b": 2}, l=[{"id": 1}, {"id": 2}]) == value


def test_heredoc_indented() -> None:
    src = b'v = <<-EOT\n    {\n      "a": "${x}"\n    }\n  EOT\n'
    hcl = parse_hcl(src, "t.tf")
    value = Evaluator(src, lambda n: "b" if n == "x" else Unknown(n)).eval(hcl.body.attrs["v"].node)
    assert value == '{\n  "a": "b"\n}\n'


def test_unknowns_propagate_with_partial_text() -> None:
    value = ev('jsonencode({ Principal = "*", Resource = "${bucket.arn}/*" })', bucket=Unknown("after apply", frozenset({"aws_s3_bucket.x"})))
    assert isinstance(value, Unknown) and value.refs == frozenset({"aws_s3_bucket.x"})
    assert value.partial == '{"Principal": "*", "Resource": "' + UNKNOWN_TEXT + '/*"}'
    assert isinstance(ev('file("policy.json")'), Unknown)
    assert isinstance(ev("unset ? 1 : 2"), Unknown)
    assert ev("unset ? 1 : 1") == 1  # both branches agree
    assert ev("false && unset") is False


def test_syntax_error_names_the_line() -> None:
    with pytest.raises(HclSyntaxError) as info:
        parse_hcl(b'a = 1\nb = {\nc = "x"\n', "t.tf")
    assert info.value.line >= 2
