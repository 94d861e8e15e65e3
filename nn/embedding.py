"""`Embedding`: a lookup table of vectors, one row per index (a word, a token, a category).

The lookup is indexing (`weight[indices]`, the `getitem` primitive): its gradient adds
each output row's gradient into the row it came from, a row looked up k times receiving
the sum of k gradients (`scatter_add`), as PyTorch's embedding backward does.
"""

from __future__ import annotations

import numbers

import numpy as np

from autograd import Tensor, apply
from nn.module import Module

Seed = int | np.random.Generator | None


class Embedding(Module):
    """indices (any shape, ints in [0, num_embeddings)) -> vectors (*shape, embedding_dim).

    weight (num_embeddings, embedding_dim) starts as standard normal numbers (PyTorch's
    initialisation). padding_idx: that row starts at 0 and gets no gradient, so it stays
    what it is (a padding token's vector). Raises TypeError for non-integer indices and
    IndexError naming the first index out of range. Not exportable to ONNX: the indices
    become constants of the graph (an index of `getitem`), not an input.
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 seed: Seed = None, dtype: object = np.float64) -> None:
        for name, n in (("num_embeddings", num_embeddings), ("embedding_dim", embedding_dim)):
            if not isinstance(n, numbers.Integral) or isinstance(n, bool) or n < 1:
                raise ValueError(f"Embedding: {name} must be a positive int, got {n!r}")
        if padding_idx is not None:
            if not isinstance(padding_idx, numbers.Integral) or isinstance(padding_idx, bool) \
                    or not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(f"Embedding: padding_idx must be an int in "
                                 f"[-{num_embeddings}, {num_embeddings}), got {padding_idx!r}")
            padding_idx = int(padding_idx) % num_embeddings
        self.num_embeddings, self.embedding_dim = int(num_embeddings), int(embedding_dim)
        self.padding_idx = padding_idx
        weight = np.random.default_rng(seed).standard_normal((num_embeddings, embedding_dim))
        if padding_idx is not None:
            weight[padding_idx] = 0.0
        self.weight = Tensor(weight, requires_grad=True, dtype=dtype, label="weight")

    def forward(self, indices: object) -> Tensor:
        """The rows of weight at `indices` (an int array, list or Tensor made from ints)."""
        index = _indices(indices, self.num_embeddings)
        out = self.weight[index]
        if self.padding_idx is None:
            return out
        keep = index != self.padding_idx
        if keep.all():
            return out
        # The padding rows come out as the constant they are: no gradient reaches them.
        frozen = self.weight.data[index]
        return apply("where", out, Tensor(frozen), ctx=keep[..., None])

    def extra_repr(self) -> str:
        padding = "" if self.padding_idx is None else f", padding_idx={self.padding_idx}"
        return f"{self.num_embeddings}, {self.embedding_dim}{padding}"


def _indices(indices: object, count: int) -> np.ndarray:
    """The indices as an int64 array, checked."""
    if isinstance(indices, Tensor):
        data = getattr(indices, "_integers", None)
        indices = data if data is not None else indices.data
    array = np.asarray(indices)
    if array.dtype.kind == "f" and np.all(array == np.round(array)) and np.isfinite(array).all():
        array = array.astype(np.int64)
    if array.dtype.kind not in "iu":
        raise TypeError(f"Embedding: indices must be integers, got dtype {array.dtype}")
    bad = (array < 0) | (array >= count)
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        raise IndexError(f"Embedding: index {array[where]} at position {where} is out of "
                         f"range for {count} embeddings (valid: 0..{count - 1})")
    return array.astype(np.int64, copy=False)
