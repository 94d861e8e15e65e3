"""docs/ops.md, the list of operations, held to the code so that it cannot go stale.

The page's tables are read row by row (Op | Reached as | Engines | In the graph |
Gradient). Then: every built-in primitive of the rule table, every op function that
`autograd` and `nn.functional` export, every layer and loss module of `nn`, and every
public method of `Tensor` and `Value` has its place on the page; every name the page
gives resolves, and every one it says works on a `Value` is called on one; each row's
example is built on each engine it claims, and the primitives recorded in its graph are
exactly the ones the row names ("**primitive** p": one node of the table's p;
"composed: ..." with "sometimes ..." and "on Value: ..."; "no node": a constant).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from docs_ops_examples import (
    EXAMPLES,
    METHOD_CALLS,
    VALUE_CALLS,
    T,
    V,
    ops_in,
    records_nothing,
)

import autograd
import nn
from autograd import Tensor, Value
from autograd.table import PRIMITIVES
from nn import functional as F  # noqa: N812 - the conventional name

PAGE = Path(__file__).resolve().parents[1] / "docs" / "ops.md"
TEXT = PAGE.read_text(encoding="utf-8")
NAME = re.compile(r"`([A-Za-z_][\w.]*)`")
REFERENCE = re.compile(r"^(autograd|F|nn|Tensor|Value)\.(\w+)$")
SECTIONS = ("Arithmetic", "Comparisons and selection", "Elementwise", "Reductions", "Shapes",
            "Creation", "Losses", "Layers", "Seen only in gradient graphs")

# Exports that are not operations: the engines and the tools around them.
NOT_OPS = {
    "autograd": {"Value", "Tensor", "no_grad", "gradcheck", "gradgradcheck", "GradcheckResult",
                 "is_grad_enabled", "scope", "Scope", "topological_order", "apply",
                 "primitive", "PrimitiveFunction", "grad", "jacobian", "hessian", "hvp",
                 "blas_threads"},
    "F": {"compare_gradients", "GradientReport", "REDUCTIONS"},
}
# Public methods that are not operations on the data.
NOT_METHODS = {"backward", "zero_grad", "item", "numpy", "detach"}


# ---------------------------------------------------------------- reading the page
@dataclass
class Spec:
    kind: str  # "primitive" | "composed" | "none"
    required: set[str] = field(default_factory=set)
    optional: set[str] = field(default_factory=set)


@dataclass
class Row:
    section: str
    op: str
    reached: str
    engines: str
    graph: str
    gradient: str

    @property
    def references(self) -> list[tuple[str, str]]:
        return [m.groups() for m in map(REFERENCE.match, NAME.findall(self.reached)) if m]

    def specs(self) -> dict[str, Spec]:
        """{"tensor": Spec, "value": Spec} from the graph cell (parentheses are prose)."""
        text = re.sub(r"\([^)]*\)", "", self.graph)
        specs, engine = {}, "tensor"
        for part in (p.strip() for p in text.split(";")):
            names = set(NAME.findall(part))
            if part.startswith("on Value:"):
                engine = "value"
                part = part[len("on Value:"):].strip()
                if not part.startswith(("**primitive**", "no node")):
                    part = "composed: " + part
            if part.startswith("**primitive**"):
                assert len(names) == 1, (self.op, part)
                specs[engine] = Spec("primitive", names)
            elif part.startswith("composed:"):
                specs[engine] = Spec("composed", names)
            elif part == "no node":
                specs[engine] = Spec("none")
            elif part.startswith("sometimes"):
                specs[engine].optional |= names
            else:
                raise AssertionError(f"{self.op}: cannot read {part!r} in {self.graph!r}")
        if "value" not in specs:
            tensor = specs["tensor"]
            specs["value"] = Spec(tensor.kind, set(tensor.required), set(tensor.optional))
        return specs


def _rows() -> list[Row]:
    rows, section = [], None
    for line in TEXT.splitlines():
        if line.startswith("## "):
            section = line[3:].strip()
        elif line.startswith("| ") and not line.startswith("| Op |"):
            cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
            assert len(cells) == 5, line
            rows.append(Row(section, *cells))
    return rows


ROWS = _rows()
BY_OP = {row.op: row for row in ROWS}


def _all_names(column: str) -> set[str]:
    return {n for row in ROWS for n in NAME.findall(getattr(row, column))}


def _references() -> set[tuple[str, str]]:
    return {ref for row in ROWS for ref in row.references}


def _resolve(owner: str, name: str) -> object:
    space = {"autograd": autograd, "F": F, "nn": nn, "Tensor": Tensor, "Value": Value}[owner]
    return getattr(space, name)



def _auto(row: Row) -> dict[str, list[Callable[[], object]]]:
    """One call per name an Elementwise row lists, on a Tensor (and a Value, for both)."""
    examples: dict[str, list] = {"tensor": [], "value": []}
    for owner, name in row.references:
        function = _resolve(owner, name)
        if owner != "Value":
            examples["tensor"].append(lambda f=function: f(T(positive=True)))
        if owner != "Tensor" and row.engines == "both":
            examples["value"].append(lambda f=function: f(V()))
    return examples


def _examples(row: Row) -> dict[str, list[Callable[[], object]]]:
    if row.op in EXAMPLES:
        return {"tensor": [], "value": [], **EXAMPLES[row.op]}
    assert row.section == "Elementwise", f"no example for the row {row.op} of docs/ops.md"
    return _auto(row)


# ---------------------------------------------------------------- the page covers the code
def test_the_page_has_its_groups_and_rows():
    assert [s for s in SECTIONS if f"\n## {s}\n" not in TEXT] == []
    assert {row.section for row in ROWS} == set(SECTIONS)
    assert len(ROWS) > 100 and len(BY_OP) == len(ROWS), "one row per op"
    assert {row.engines for row in ROWS} == {"both", "Tensor", "Value"}


def test_every_builtin_primitive_is_in_the_graph_column():
    builtin = {name for name, p in PRIMITIVES.items() if p.builtin}
    assert builtin - _all_names("graph") == set()
    assert _all_names("graph") - set(PRIMITIVES) == set(), "a graph cell names no primitive"


def test_every_op_function_of_autograd_and_nn_functional_is_listed():
    listed = _references()
    missing = [f"autograd.{n}" for n in set(autograd.__all__) - NOT_OPS["autograd"]
               if ("autograd", n) not in listed]
    missing += [f"F.{n}" for n in set(F.__all__) - NOT_OPS["F"] if ("F", n) not in listed]
    assert missing == []


def test_every_layer_and_loss_of_nn_is_listed():
    modules = {n for n in nn.__all__ if isinstance(getattr(nn, n), type)
               and issubclass(getattr(nn, n), nn.Module) and n != "Module"}
    functions = {"l1_penalty", "l2_penalty"}
    listed = {n for owner, n in _references() if owner == "nn"}
    assert (modules | functions) - listed == set()


@pytest.mark.parametrize("engine", [Tensor, Value], ids=lambda e: e.__name__)
def test_every_public_method_is_listed(engine):
    methods = {n for n in dir(engine) if not n.startswith("_") and n not in NOT_METHODS
               and (callable(getattr(engine, n)) or n == "T")}
    listed = {n for owner, n in _references() if owner == engine.__name__}
    assert methods - listed == set()


def test_the_api_reference_documents_every_export_of_autograd():
    page = (PAGE.parent / "api" / "autograd.md").read_text(encoding="utf-8")
    members = re.findall(r"^(?: {8}- |::: autograd\.\w+\.)(\w+)$", page, re.M)
    assert set(autograd.__all__) - set(members) == set()


def test_every_listed_name_exists():
    missing = []
    for owner, name in _references():
        try:
            _resolve(owner, name)
        except AttributeError:
            missing.append(f"{owner}.{name}")
    assert missing == []


# ---------------------------------------------------------------- each row holds
@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.op.replace("`", ""))
def test_the_row_says_what_the_graph_records(row):
    examples, specs = _examples(row), row.specs()
    wanted = {"both": {"tensor", "value"}, "Tensor": {"tensor"}, "Value": {"value"}}[row.engines]
    assert {e for e, calls in examples.items() if calls} == wanted, row.engines
    for engine in wanted:
        spec = specs[engine]
        if spec.kind == "primitive":
            (name,) = spec.required
            assert PRIMITIVES[name].builtin
        seen = set()
        for call in examples[engine]:
            result = call()
            ops = ops_in(result)
            seen |= ops
            if row.section == "Seen only in gradient graphs":
                assert spec.required <= ops, (engine, ops)
                continue
            assert spec.required <= ops <= spec.required | spec.optional, (engine, ops)
            if spec.kind == "none":
                assert records_nothing(result), (engine, result)
        if row.section != "Seen only in gradient graphs":
            assert seen == spec.required | spec.optional, (engine, "sometimes is never seen")


def _both_engine_names() -> list[tuple[str, str, str]]:
    return sorted({(row.op, *ref) for row in ROWS if row.engines != "Tensor"
                   for ref in row.references if ref[0] != "Tensor"})



@pytest.mark.parametrize(("op", "owner", "name"), _both_engine_names(),
                         ids=lambda x: x.replace("`", ""))
def test_every_name_said_to_work_on_a_value_does(op, owner, name):
    if owner == "Value" and name not in ("products", "sum"):  # a method of a Value
        result = METHOD_CALLS.get(name, lambda method: method())(getattr(V(), name))
    else:
        result = VALUE_CALLS.get(name, lambda f: f(V()))(_resolve(owner, name))
    values = result if isinstance(result, list) else [result]
    assert values and all(isinstance(v, (Value, bool, int)) for v in values), (name, result)
    assert not any(isinstance(v, Tensor) for v in values)


@pytest.mark.parametrize("row", [r for r in ROWS if r.gradient.startswith("0 everywhere")],
                         ids=lambda r: r.op.replace("`", ""))
def test_piecewise_constant_ops_give_a_zero_gradient(row):
    function = getattr(autograd, row.op.strip("`"))
    x = Tensor([-1.5, -0.5, 0.0, 0.5, 2.0], requires_grad=True)
    function(x).sum().backward()
    assert np.all(x.grad == 0)
    v = Value(0.5)
    function(v).backward()
    assert v.grad == 0.0 and function(v).op == row.op.strip("`")


def test_comparisons_give_constant_masks_and_bools():
    t = T()
    for mask in (t < 0, t >= 0, t == 0, t != t):
        assert mask.dtype == bool and not mask.requires_grad and mask.is_constant
    assert (V() < 1) is True and (V() == V()) is False


def test_the_pages_code_runs():
    (code,) = re.findall(r"```python\n(.*?)```", TEXT, re.S)
    exec(code, {})  # noqa: S102 - the page's own example
