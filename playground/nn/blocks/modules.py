"""The torch modules Playground adds to torch.nn.

Each class here uses only ``torch`` and ``math``: the Python export copies their
source verbatim into a standalone file.
"""

from __future__ import annotations

import math

import torch
from torch import nn


class Scale(nn.Module):
    """Multiplies the input by one learnable number."""

    def __init__(self, init: float = 1.0) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.tensor(float(init)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.weight


class StochasticDepth(nn.Module):
    """While training, drops a residual branch for random examples ("row") or for the whole batch
    ("batch") with probability p, scaling what it keeps by 1 / (1 - p); passes it on when evaluating
    (torchvision.ops.StochasticDepth, timm's DropPath)."""

    def __init__(self, p: float, mode: str = "row") -> None:
        super().__init__()
        self.p = p
        self.mode = mode

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return x
        survival = 1.0 - self.p
        shape = [x.shape[0]] + [1] * (x.dim() - 1) if self.mode == "row" else [1] * x.dim()
        keep = torch.empty(shape, dtype=x.dtype, device=x.device).bernoulli_(survival)
        return x * keep / survival if survival > 0.0 else x * keep


class Reparameterize(nn.Module):
    """Draws z = mean + exp(log_var / 2) * noise while training (gradients reach mean and log_var);
    gives the mean when evaluating."""

    def forward(self, mean: torch.Tensor, log_var: torch.Tensor) -> torch.Tensor:
        if not self.training:
            return mean
        return mean + torch.exp(0.5 * log_var) * torch.randn_like(mean)


class PositionalEncoding(nn.Module):
    """Adds a position vector to every step: fixed sinusoids or learned vectors."""

    def __init__(self, dim: int, max_len: int, learned: bool = False) -> None:
        super().__init__()
        if learned:
            self.weight = nn.Parameter(torch.randn(max_len, dim) * 0.02)
        else:
            position = torch.arange(max_len, dtype=torch.float32).unsqueeze(1)  # (max_len, 1)
            rate = torch.exp(torch.arange(0, dim, 2, dtype=torch.float32) * (-math.log(10000.0) / dim))
            table = torch.zeros(max_len, dim)  # (max_len, dim)
            table[:, 0::2] = torch.sin(position * rate)
            table[:, 1::2] = torch.cos(position * rate[: dim // 2])
            self.register_buffer("weight", table, persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.weight[: x.shape[1]]  # (N, T, D) + (T, D)


class DotProductAttention(nn.Module):
    """softmax(q k^T / sqrt(features)) v over the last two dimensions (torch's
    scaled_dot_product_attention), optionally causal, with dropout on the weights while training."""

    def __init__(self, causal: bool = False, dropout: float = 0.0) -> None:
        super().__init__()
        self.causal = causal
        self.dropout = dropout

    def forward(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        dropout = self.dropout if self.training else 0.0
        return torch.nn.functional.scaled_dot_product_attention(q, k, v, dropout_p=dropout, is_causal=self.causal)


class CausalMask(nn.Module):
    """Scores above the diagonal of the last two dimensions set to ``fill`` (None: minus infinity, so a
    softmax gives them no weight): GPT's ``att.masked_fill(mask == 0, float('-inf'))``."""

    def __init__(self, fill: float | None = None) -> None:
        super().__init__()
        self.fill = float("-inf") if fill is None else fill

    def forward(self, scores: torch.Tensor) -> torch.Tensor:
        steps, keys = scores.shape[-2], scores.shape[-1]
        later = torch.ones(steps, keys, dtype=torch.bool, device=scores.device).triu(1)
        return scores.masked_fill(later, self.fill)


def causal_mask(steps: int, device: torch.device) -> torch.Tensor:
    """True above the diagonal: step t may not look at steps after t."""
    return torch.ones(steps, steps, dtype=torch.bool, device=device).triu(1)


def padding(mask: torch.Tensor | None) -> torch.Tensor | None:
    """A key padding mask of any dtype as torch wants it: True (nonzero) where a key is ignored."""
    return None if mask is None else mask != 0


class SelfAttention(nn.Module):
    """Multi-head self-attention over (batch, steps, features), optionally causal, optionally ignoring
    the keys a padding mask marks."""

    def __init__(
        self, embed_dim: int, num_heads: int, causal: bool = False, dropout: float = 0.0, bias: bool = True
    ) -> None:
        super().__init__()
        self.attention = nn.MultiheadAttention(embed_dim, num_heads, dropout=dropout, bias=bias, batch_first=True)
        self.causal = causal

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        causal = causal_mask(x.shape[1], x.device) if self.causal else None
        return self.attention(x, x, x, key_padding_mask=padding(mask), attn_mask=causal, need_weights=False)[0]


class CrossAttention(nn.Module):
    """Multi-head attention whose queries come from one sequence and whose keys and values come from
    another (``memory``), as a decoder reads its encoder."""

    def __init__(self, embed_dim: int, kv_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True) -> None:
        super().__init__()
        self.attention = nn.MultiheadAttention(
            embed_dim, num_heads, dropout=dropout, bias=bias, kdim=kv_dim, vdim=kv_dim, batch_first=True
        )

    def forward(self, queries: torch.Tensor, memory: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        return self.attention(queries, memory, memory, key_padding_mask=padding(mask), need_weights=False)[0]


class TransformerBlock(nn.Module):
    """A transformer encoder layer (attention + MLP, residuals, LayerNorm), optionally causal."""

    def __init__(
        self,
        d_model: int,
        num_heads: int,
        dim_feedforward: int,
        causal: bool,
        dropout: float,
        norm_first: bool,
        activation: str = "relu",
    ) -> None:
        super().__init__()
        self.layer = nn.TransformerEncoderLayer(
            d_model, num_heads, dim_feedforward, dropout, activation, batch_first=True, norm_first=norm_first
        )
        self.causal = causal

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        causal = causal_mask(x.shape[1], x.device) if self.causal else None
        return self.layer(x, src_mask=causal, src_key_padding_mask=padding(mask), is_causal=self.causal)


class GraphConv(nn.Module):
    """A graph convolution (Kipf & Welling): adjacency @ (features @ W) + b."""

    def __init__(self, in_features: int, out_features: int, bias: bool = True) -> None:
        super().__init__()
        self.linear = nn.Linear(in_features, out_features, bias=False)
        self.bias = nn.Parameter(torch.zeros(out_features)) if bias else None

    def forward(self, x: torch.Tensor, adjacency: torch.Tensor) -> torch.Tensor:
        out = adjacency @ self.linear(x)  # (nodes, out_features)
        return out + self.bias if self.bias is not None else out
