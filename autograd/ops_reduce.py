"""The running sum, a tensor-only primitive (same table and rule signatures as
`autograd.tensor_ops`).

cumsum is a primitive because its composition is wasteful: a running sum along an axis
of n entries is x @ triu(ones(n, n)), n^2 multiplications for n additions. Its gradient
is the running sum of g taken from the other end: entry i feeds every out[j], j >= i.
"""

from __future__ import annotations

from autograd import backends_math  # noqa: F401 - enters m.cumsum on the backends
from autograd.table import define


def _reversed(axis: int) -> tuple:
    """The basic index that reverses `axis` (numpy arrays and Tensors both take it)."""
    return (slice(None),) * axis + (slice(None, None, -1),)


# ctx = the axis, a non-negative int.
CUMSUM = define("cumsum", lambda m, c, a: m.cumsum(a, c),
                lambda m, c, n, g, out, a: (m.cumsum(g[_reversed(c)], c)[_reversed(c)],))
