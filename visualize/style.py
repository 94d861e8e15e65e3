"""The one style table for graph drawings, and the op-name -> symbol table.

Colour legend (`STYLE[kind]` gives the Graphviz node attributes of each kind):

======== ============================== ====================================================
kind     drawn as                       which nodes
======== ============================== ====================================================
input    light-blue record              a labelled leaf (a `Value`/`Tensor` you made)
param    gold record                    a parameter: from `params=model.named_parameters()`,
                                        or a Tensor leaf with `requires_grad=True`
const    grey record, dashed            an unlabelled leaf (a number folded into an
                                        expression, data without gradient)
value    white record                   an intermediate result
output   green record, bold             the root you asked to draw
op       small lavender ellipse         the primitive that computed the node to its right
fused    orange double octagon          the fused softmax-cross-entropy op (labelled "fused")
scope    teal 3-D box                   one call of a composite function, folded
                                        (`collapse=`) into a single summary node
note     yellow note                    "N more nodes not shown" (`max_nodes=`)
======== ============================== ====================================================

Edges on the paths listed by `visualize.chain` (`highlight=`) are drawn thick
and red (`HIGHLIGHT`); the nodes on them get a red outline.
"""

from __future__ import annotations

FONT = "Helvetica"

STYLE: dict[str, dict[str, str]] = {
    "input": {"shape": "record", "style": "filled", "fillcolor": "#d6eaf8"},
    "param": {"shape": "record", "style": "filled", "fillcolor": "#fcf3cf"},
    "const": {"shape": "record", "style": "filled,dashed", "fillcolor": "#eeeeee",
              "fontcolor": "#555555"},
    "value": {"shape": "record", "style": "filled", "fillcolor": "#ffffff"},
    "output": {"shape": "record", "style": "filled,bold", "fillcolor": "#d5f5e3",
               "penwidth": "2"},
    "op": {"shape": "ellipse", "style": "filled", "fillcolor": "#e8daef", "fontsize": "12",
           "margin": "0.02"},
    "fused": {"shape": "doubleoctagon", "style": "filled,bold", "fillcolor": "#f5b041",
              "fontsize": "12"},
    "scope": {"shape": "box3d", "style": "filled", "fillcolor": "#d1f2eb"},
    "note": {"shape": "note", "style": "filled", "fillcolor": "#fff9c4"},
}

CLUSTER_STYLE: dict[str, str] = {"style": "rounded,dashed", "color": "#48c9b0"}
HIGHLIGHT: dict[str, str] = {"color": "#c0392b", "penwidth": "2.5"}
TRUNCATED_EDGE: dict[str, str] = {"style": "dashed", "color": "#999999"}

# The primitives' names as a reader writes them; unknown ops show their own name.
OP_SYMBOLS: dict[str, str] = {
    "add": "+",
    "add_n": "Σ",
    "mul": "×",
    "neg": "−x",
    "pow": "xʸ",
    "pow_const": "xⁿ",
    "exp": "exp",
    "log": "log",
    "tanh": "tanh",
    "sigmoid": "σ",
    "relu": "ReLU",
    "abs": "|x|",
    "sqrt": "√",
    "clip": "clip",
    "maximum": "max(a,b)",
    "matmul": "@",
    "linear": "x@W+b",
    "sum": "Σ",
    "max": "max",
    "min": "min",
    "reshape": "reshape",
    "transpose": "ᵀ",
    "getitem": "[ ]",
    "concatenate": "concat",
    "stack": "stack",
    "softmax_cross_entropy": "softmax + CE\n(fused)",
}

FUSED_OPS = frozenset({"softmax_cross_entropy"})

# A copy of a widely used node, drawn beside a far use (visualize.layout): the node's
# own colours, dashed and smaller.
COPY_STYLE: dict[str, str] = {"fontsize": "10", "penwidth": "1"}
