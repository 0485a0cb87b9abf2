"""Sum aggregation (scatter-add) that exports to ONNX correctly.

torch 1.13 exports ``index_add`` as ``ScatterElements`` without
``reduction="add"`` (wrong answers when an index repeats) and its
``scatter_add`` symbolic fails on dynamic shapes.  ``scatter_add_rows``
uses plain ``index_add`` in eager mode and, while exporting, an autograd
Function whose ONNX symbolic emits ``ScatterElements(reduction="add")``
on a zero tensor of shape [N, H] with the index broadcast to [E, H].
"""

from __future__ import annotations

import torch


class _ScatterAddRows(torch.autograd.Function):
    """out[n, :] = sum over e with index[e] == n of src[e, :]; out has like.shape[0] rows."""

    @staticmethod
    def forward(ctx, src: torch.Tensor, index: torch.Tensor, like: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        ctx.save_for_backward(index)
        out = src.new_zeros((like.shape[0], src.shape[1]))
        return out.index_add_(0, index, src)

    @staticmethod
    def backward(ctx, grad_out: torch.Tensor):  # type: ignore[override]
        (index,) = ctx.saved_tensors
        return grad_out.index_select(0, index), None, None

    @staticmethod
    def symbolic(g, src, index, like):  # pragma: no cover - exercised through export tests
        # shape [N, H]: rows of `like`, columns of `src`
        n = g.op("Slice", g.op("Shape", like), g.op("Constant", value_t=torch.tensor([0])),
                 g.op("Constant", value_t=torch.tensor([1])))
        h = g.op("Slice", g.op("Shape", src), g.op("Constant", value_t=torch.tensor([1])),
                 g.op("Constant", value_t=torch.tensor([2])))
        shape = g.op("Concat", n, h, axis_i=0)
        zeros = g.op("ConstantOfShape", shape, value_t=torch.tensor([0.0], dtype=torch.float32))
        idx = g.op("Unsqueeze", index, g.op("Constant", value_t=torch.tensor([1])))
        idx = g.op("Expand", idx, g.op("Shape", src))
        return g.op("ScatterElements", zeros, idx, src, axis_i=0, reduction_s="add")


def scatter_add_rows(src: torch.Tensor, index: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """Sums rows of ``src`` [E, H] into ``like.shape[0]`` rows selected by ``index`` [E] (int64).

    ``like`` only provides the number of output rows (so that it stays
    dynamic in the exported graph).
    """
    if torch.onnx.is_in_onnx_export():
        return _ScatterAddRows.apply(src, index, like)
    out = src.new_zeros((like.shape[0], src.shape[1]))
    return out.index_add(0, index, src)
