"""A nanoGPT-like model comes in: Karpathy's nanoGPT model.py (its flash-attention path) with nn.LayerNorm
for its own bias-optional LayerNorm, its output weights untied or tied, written here as it writes them."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from playground.core.graph import walk
from playground.nn.compile import compile_graph
from playground.nn.import_trace import Unrepresentable
from playground.nn.importing import import_module


@dataclass
class GPTConfig:
    block_size: int = 16
    vocab_size: int = 29
    n_layer: int = 2
    n_head: int = 2
    n_embd: int = 16
    dropout: float = 0.1
    bias: bool = True


class CausalSelfAttention(nn.Module):
    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        assert config.n_embd % config.n_head == 0
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)
        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
        self.resid_dropout = nn.Dropout(config.dropout)
        self.n_head = config.n_head
        self.n_embd = config.n_embd
        self.dropout = config.dropout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, T, C = x.size()  # batch size, sequence length, embedding dimensionality (n_embd)
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
        k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)  # (B, nh, T, hs)
        q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        y = F.scaled_dot_product_attention(
            q, k, v, attn_mask=None, dropout_p=self.dropout if self.training else 0, is_causal=True
        )
        y = y.transpose(1, 2).contiguous().view(B, T, C)  # re-assemble all head outputs side by side
        return self.resid_dropout(self.c_proj(y))


class MLP(nn.Module):
    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.c_fc = nn.Linear(config.n_embd, 4 * config.n_embd, bias=config.bias)
        self.gelu = nn.GELU()
        self.c_proj = nn.Linear(4 * config.n_embd, config.n_embd, bias=config.bias)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.dropout(self.c_proj(self.gelu(self.c_fc(x))))


class Block(nn.Module):
    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.ln_1 = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.attn = CausalSelfAttention(config)
        self.ln_2 = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.mlp = MLP(config)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    def __init__(self, config: GPTConfig | None = None, tied: bool = False) -> None:
        super().__init__()
        config = config or GPTConfig()
        self.transformer = nn.ModuleDict(
            dict(
                wte=nn.Embedding(config.vocab_size, config.n_embd),
                wpe=nn.Embedding(config.block_size, config.n_embd),
                drop=nn.Dropout(config.dropout),
                h=nn.ModuleList([Block(config) for _ in range(config.n_layer)]),
                ln_f=nn.LayerNorm(config.n_embd, bias=config.bias),
            )
        )
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        if tied:
            self.transformer.wte.weight = self.lm_head.weight  # nanoGPT's weight tying

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        device = idx.device
        t = idx.size(1)  # nanoGPT also asserts t <= block_size here, which torch.fx cannot trace
        pos = torch.arange(0, t, dtype=torch.long, device=device)  # shape (t)
        tok_emb = self.transformer.wte(idx)  # token embeddings of shape (b, t, n_embd)
        pos_emb = self.transformer.wpe(pos)  # position embeddings of shape (t, n_embd)
        x = self.transformer.drop(tok_emb + pos_emb)
        for block in self.transformer.h:
            x = block(x)
        x = self.transformer.ln_f(x)
        return self.lm_head(x)


@pytest.mark.parametrize("tied", [False, True])
def test_a_nanogpt_comes_in_with_its_names_and_computes_what_it_computes(tied: bool) -> None:
    torch.manual_seed(0)
    original = GPT(tied=tied)
    imported = import_module(original, [(1, 12)])
    assert imported.project.graph.ties == ({"lm_head.weight": "transformer.wte.weight"} if tied else {})
    assert list(imported.weights) == list(original.state_dict())  # transformer.h.0.attn.c_attn.weight, ...
    ours = compile_graph(imported.project.graph).module
    ours.load_state_dict(imported.weights)
    assert list(ours.state_dict()) == list(original.state_dict())
    idx = torch.randint(0, 29, (3, 12))
    original.eval(), ours.eval()
    with torch.no_grad():
        assert torch.allclose(ours(idx), original(idx), atol=1e-5)


def test_its_blocks_are_what_the_code_says() -> None:
    graph = import_module(GPT(), [(1, 12)]).project.graph
    levels = dict(walk(graph))
    transformer = levels["transformer."]
    assert transformer.blocks["wpe"].type == "positional_encoding"
    assert transformer.blocks["wpe"].params == {"kind": "learned", "dim": 16, "max_len": 16}
    assert transformer.blocks["h"].params["repeat"] == 2  # the two layers: one group, twice
    attention = levels["transformer.h.attn."]
    kinds = sorted(block.type for block in attention.blocks.values())
    assert kinds.count("slice") == 3 and kinds.count("dot_product_attention") == 1
    (sdpa,) = [b for b in attention.blocks.values() if b.type == "dot_product_attention"]
    assert sdpa.params == {"causal": True, "dropout": 0.1}
    pieces = sorted((b.params["start"], b.params["length"]) for b in attention.blocks.values() if b.type == "slice")
    assert pieces == [(0, 16), (16, 16), (32, 16)]


class HalfWay(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.wpe = nn.Embedding(8, 4)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        a, b = x.chunk(2, dim=-1)  # each piece on its own: a Slice
        both = torch.stack(x.split(2, dim=2), dim=1)
        positions = torch.arange(x.shape[1]) * 2
        table = torch.tanh(self.wpe(torch.arange(x.shape[1])))
        return a * b, torch.relu(both), positions, table


def test_what_a_pattern_leaves_half_way_is_said_with_its_line() -> None:
    with pytest.raises(Unrepresentable) as caught:
        import_module(HalfWay(), [(1, 5, 4)])
    line = HalfWay.forward.__code__.co_firstlineno
    assert caught.value.problems == [
        f"torch.stack at test_import_gpt.py:{line + 2} reads the pieces of a split together: only each piece on "
        "its own has a block (a Slice)",
        f"operator.mul at test_import_gpt.py:{line + 3} reads position ids: they have a block only as "
        "x + embedding(arange(steps)), a learned Positional Encoding",
        f"torch.tanh at test_import_gpt.py:{line + 4} reads a table of positions: it has a block only added to "
        "the steps, x + embedding(arange(steps))",
    ]


class MinGPT(GPT):
    """minGPT's forward: its position ids are a batch of one, ``torch.arange(0, t).unsqueeze(0)``."""

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        t = idx.size(1)
        pos = torch.arange(0, t, dtype=torch.long, device=idx.device).unsqueeze(0)  # shape (1, t)
        tok_emb = self.transformer.wte(idx)
        pos_emb = self.transformer.wpe(pos)  # (1, t, n_embd)
        x = self.transformer.drop(tok_emb + pos_emb)
        for block in self.transformer.h:
            x = block(x)
        return self.lm_head(self.transformer.ln_f(x))


def test_mingpts_batched_positions_come_in_as_a_learned_positional_encoding() -> None:
    torch.manual_seed(0)
    original = MinGPT()
    imported = import_module(original, [(1, 12)])
    transformer = dict(walk(imported.project.graph))["transformer."]
    assert transformer.blocks["wpe"].type == "positional_encoding"
    ours = compile_graph(imported.project.graph).module
    ours.load_state_dict(imported.weights)
    idx = torch.randint(0, 29, (3, 12))
    original.eval(), ours.eval()
    with torch.no_grad():
        assert torch.allclose(ours(idx), original(idx), atol=1e-5)
