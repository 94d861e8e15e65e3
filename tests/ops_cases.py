"""The elementwise functions of issue 18 as test cases: chainrule's function, PyTorch's,
and a sympy form written from the math (not from chainrule's code), with the domain
random points come from and the kinks they keep away from.

The sympy forms encode PyTorch's choice at each kink as a Piecewise condition (leaky_relu
takes the slope at 0: the branch `x > 0` is false there), so they serve as the oracle at
the kinks too; `SYMPY_SKIPS` lists the points where a form cannot (sympy's Min/Max give
1/2 at a tie).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import sympy as sp

import autograd
from autograd.activations import SELU_ALPHA, SELU_SCALE


@dataclass(frozen=True)
class Case:
    ours: Callable  # node -> node, for Value and Tensor
    torch: Callable  # torch tensor -> torch tensor
    sympy: Callable | None  # sympy symbol -> expression
    domain: tuple[float, float] = (-3.0, 3.0)
    kinks: tuple[float, ...] = ()
    smooth: bool = True  # False: piecewise constant (its derivatives are 0)
    valid: Callable[[float], bool] = lambda x: True  # the edge points it accepts
    sympy_max: float = math.inf  # beyond this |x| mpmath cannot evaluate the sympy form
    # points whose second derivative loses digits in a rule this case builds on:
    # point -> reason (checked to 1e-6 there, and `test_known_imprecision` says when fixed)
    imprecise: dict = field(default_factory=dict)
    # edge points where chainrule deliberately differs from PyTorch: point -> reason
    differs: dict = field(default_factory=dict)


def _torch_functional():
    import torch

    return torch, torch.nn.functional


def _t(name: str, *args, **kwargs) -> Callable:
    """PyTorch's torch.nn.functional.<name> (or torch.<name>), imported when called."""
    def call(x):
        torch, tf = _torch_functional()
        function = getattr(tf, name, None) or getattr(torch, name)
        return function(x, *args, **kwargs)
    return call


def _piecewise(*pieces) -> sp.Expr:
    return sp.Piecewise(*pieces)


OUT_PLUS_ONE = "PyTorch's expm1 gradient is out + 1, which cancels for x << 0; ours is exp(x)"
ONE_PLUS = "PyTorch's 1 + erf(x) (1 + tanh) cancels for x << 0, leaving 0; erfc (sigmoid) does not"
NAN_GRADIENT = "the gradient at a NaN input: 0 (relu's and clip's), PyTorch's the slope"
SQRT2 = sp.sqrt(2)
TANH_C = sp.sqrt(2 / sp.pi)
ALPHA, SCALE = sp.Float(SELU_ALPHA, 40), sp.Float(SELU_SCALE, 40)

CASES: dict[str, Case] = {
    # primitives
    "sin": Case(autograd.sin, _t("sin"), sp.sin),
    "cos": Case(autograd.cos, _t("cos"), sp.cos),
    "log1p": Case(autograd.log1p, _t("log1p"), lambda x: sp.log(1 + x), (-0.9, 3.0),
                  valid=lambda x: x > -1),  # NaN refused, as log refuses it
    "expm1": Case(autograd.expm1, _t("expm1"), lambda x: sp.exp(x) - 1,
                  differs={-20.0: OUT_PLUS_ONE, -40.0: OUT_PLUS_ONE}),
    "erf": Case(autograd.erf, _t("erf"), sp.erf),
    "erfc": Case(autograd.erfc, _t("erfc"), sp.erfc, sympy_max=1e10),  # mpmath overflows
    "sign": Case(autograd.sign, _t("sign"), None, kinks=(0.0,), smooth=False,
                 differs={math.nan: "sign(nan) is nan (numpy); PyTorch gives 0"}),
    "floor": Case(autograd.floor, _t("floor"), None, kinks=(-2, -1, 0, 1, 2), smooth=False),
    "ceil": Case(autograd.ceil, _t("ceil"), None, kinks=(-2, -1, 0, 1, 2), smooth=False),
    "round": Case(autograd.round, _t("round"), None, kinks=(-2.5, -1.5, -0.5, 0.5, 1.5, 2.5),
                  smooth=False),
    "hardtanh": Case(autograd.hardtanh, _t("hardtanh"),
                     lambda x: _piecewise((-1, x <= -1), (1, x >= 1), (x, True)),
                     kinks=(-1.0, 1.0)),
    # compositions
    "square": Case(autograd.square, _t("square"), lambda x: x ** 2),
    "rsqrt": Case(autograd.rsqrt, _t("rsqrt"), lambda x: 1 / sp.sqrt(x), (0.2, 3.0),
                  valid=lambda x: x > 0),  # 0 (inf) is checked against PyTorch
    "leaky_relu": Case(autograd.leaky_relu, _t("leaky_relu"),
                       lambda x: _piecewise((x, x > 0), (x / 100, True)), kinks=(0.0,),
                       differs={math.nan: NAN_GRADIENT}),
    "leaky_relu(0.2)": Case(lambda x: autograd.leaky_relu(x, 0.2), _t("leaky_relu", 0.2),
                            lambda x: _piecewise((x, x > 0), (x / 5, True)), kinks=(0.0,),
                       differs={math.nan: NAN_GRADIENT}),
    "elu": Case(autograd.elu, _t("elu"),
                lambda x: _piecewise((x, x > 0), (sp.exp(x) - 1, True)), kinks=(0.0,)),
    "elu(0.5)": Case(lambda x: autograd.elu(x, 0.5), _t("elu", 0.5),
                     lambda x: _piecewise((x, x > 0), ((sp.exp(x) - 1) / 2, True)),
                     kinks=(0.0,)),
    "selu": Case(autograd.selu, _t("selu"),
                 lambda x: SCALE * _piecewise((x, x > 0), (ALPHA * (sp.exp(x) - 1), True)),
                 kinks=(0.0,)),
    "celu(2)": Case(lambda x: autograd.celu(x, 2.0), _t("celu", 2.0),
                    lambda x: _piecewise((x, x > 0), (2 * (sp.exp(x / 2) - 1), True)),
                    kinks=(0.0,)),
    "silu": Case(autograd.silu, _t("silu"), lambda x: x / (1 + sp.exp(-x))),
    "gelu": Case(autograd.gelu, _t("gelu"), lambda x: x * (1 + sp.erf(x / SQRT2)) / 2,
                 differs={-20.0: ONE_PLUS}),
    "gelu(tanh)": Case(lambda x: autograd.gelu(x, approximate="tanh"),
                       _t("gelu", approximate="tanh"),
                       lambda x: x * (1 + sp.tanh(TANH_C * (x + sp.Rational(44715, 10 ** 6)
                                                             * x ** 3))) / 2,
                       sympy_max=1e100,  # x^3 overflows beyond: gradient nan, as PyTorch's
                       differs={-20.0: ONE_PLUS}),
    "softplus": Case(autograd.softplus, _t("softplus"), lambda x: sp.log(1 + sp.exp(x)),
                     kinks=(0.0,)),  # PyTorch's threshold (x above 20) is exact in float64 there
    "softplus(2)": Case(lambda x: autograd.softplus(x, 2.0), _t("softplus", 2.0),
                        lambda x: sp.log(1 + sp.exp(2 * x)) / 2, kinks=(0.0,)),
    "log_sigmoid": Case(autograd.log_sigmoid, _t("logsigmoid"),
                        lambda x: -sp.log(1 + sp.exp(-x)), kinks=(0.0,)),
    "relu6": Case(autograd.relu6, _t("relu6"),
                  lambda x: _piecewise((0, x <= 0), (6, x >= 6), (x, True)), (-2.0, 8.0),
                  kinks=(0.0, 6.0)),
    "softsign": Case(autograd.softsign, _t("softsign"), lambda x: x / (1 + sp.Abs(x)),
                     kinks=(0.0,), differs={math.inf: "softsign(inf) is its limit 1; "
                                                      "PyTorch's x / (1 + |x|) gives nan",
                                            -math.inf: "-1 (PyTorch: nan)",
                                            1e300: "float32: inf, as above",
                                            -1e300: "float32: -inf, as above",
                                            1e10: "PyTorch's composed gradient cancels",
                                            -1e10: "PyTorch's composed gradient cancels"}),
}

# Finite edge points: zeros, ones, tiny and huge magnitudes, the kinks; the sympy oracle
# runs on these (exact arithmetic), PyTorch on these and on +-inf and NaN.
FINITE_EDGES = (0.0, -0.0, 1.0, -1.0, 1e-8, -1e-8, 1e-300, -1e-300, 0.5, -0.5, 2.5, -2.5,
                6.0, 20.0, -20.0, 40.0, -40.0, 700.0, -700.0, 1e10, -1e10, 1e300, -1e300)
EDGES = FINITE_EDGES + (math.inf, -math.inf, math.nan)


def edges(case: Case, finite: bool = True) -> list[float]:
    """The edge points (and the case's kinks) that its function accepts."""
    points = list(FINITE_EDGES if finite else EDGES)
    points += [k for k in case.kinks if k not in points]
    return [p for p in points if case.valid(p)]
