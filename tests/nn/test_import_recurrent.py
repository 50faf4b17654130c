"""Importing recurrent models as tutorials write them: torch's RNN, LSTM and GRU come in as their blocks,
with torch's weight names, whether the module reads every step's output or the final hidden state."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from playground.nn.compile import compile_graph
from playground.nn.import_trace import Unrepresentable
from playground.nn.importing import import_module


class LSTMClassifier(nn.Module):
    """The sentiment-classifier tutorial: embed the tokens, run an LSTM, classify its last hidden state."""

    def __init__(self, vocab: int = 30, embed: int = 8, hidden: int = 12, classes: int = 3) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab, embed)
        self.lstm = nn.LSTM(embed, hidden, num_layers=2, batch_first=True, dropout=0.2)
        self.fc = nn.Linear(hidden, classes)

    def forward(self, text: torch.Tensor) -> torch.Tensor:
        embedded = self.embedding(text)
        _output, (hidden, _cell) = self.lstm(embedded)  # as the tutorial unpacks them
        return self.fc(hidden[-1])


class BiGRUClassifier(nn.Module):
    """Both directions' final states side by side, and the output's mean over the steps."""

    def __init__(self) -> None:
        super().__init__()
        self.gru = nn.GRU(4, 6, batch_first=True, bidirectional=True)
        self.head = nn.Linear(12, 2)
        self.steps = nn.Linear(12, 2)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        out, h_n = self.gru(x)
        return self.head(torch.cat((h_n[-2], h_n[-1]), dim=1)), self.steps(out[:, -1, :])


class LastStep(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.rnn = nn.RNN(3, 5, batch_first=True, nonlinearity="relu")
        self.fc = nn.Linear(5, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.rnn(x)
        return self.fc(out[:, -1])


@pytest.mark.parametrize(
    ("make", "shape", "tokens"),
    [(LSTMClassifier, (1, 9), 30), (BiGRUClassifier, (1, 7, 4), 0), (LastStep, (1, 6, 3), 0)],
)
def test_a_recurrent_model_comes_in_with_torchs_weight_names_computing_the_same(make, shape, tokens) -> None:
    torch.manual_seed(0)
    original = make().eval()
    imported = import_module(original, [shape])
    assert list(imported.weights) == list(original.state_dict())
    ours = compile_graph(imported.project.graph).module.eval()
    ours.load_state_dict(imported.weights)
    assert list(ours.state_dict()) == list(original.state_dict())
    batch = (5, *shape[1:])
    x = torch.randint(0, tokens, batch) if tokens else torch.randn(batch)
    with torch.no_grad():
        got, wanted = ours(x), original(x)
    got = list(got.values()) if isinstance(got, dict) else [got]
    wanted = list(wanted) if isinstance(wanted, tuple) else [wanted]
    assert all(torch.allclose(a, b, atol=1e-6) for a, b in zip(got, wanted, strict=True))


def test_a_module_that_reads_only_the_final_state_draws_it_on_the_output_port() -> None:
    graph = import_module(LSTMClassifier(), [(1, 9)]).project.graph
    lstm = graph.blocks["lstm"]
    assert lstm.params["output"] == "last" and lstm.params["num_layers"] == 2 and lstm.params["dropout"] == 0.2
    assert [(link.src_port, link.dst) for link in graph.links if link.src == "lstm"] == [(0, "fc")]
    gru = import_module(BiGRUClassifier(), [(1, 7, 4)]).project.graph
    assert gru.blocks["gru"].params["output"] == "sequence" and gru.blocks["gru"].params["bidirectional"]
    assert sorted(link.src_port for link in gru.links if link.src == "gru") == [0, 1]


class ReadsTheCell(nn.Module):
    def __init__(self, batch_first: bool = True) -> None:
        super().__init__()
        self.lstm = nn.LSTM(3, 4, batch_first=batch_first)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _, (h_n, c_n) = self.lstm(x)
        return c_n[-1] + h_n.sum(0)


def test_final_states_other_than_the_top_layers_are_refused_naming_the_line() -> None:
    with pytest.raises(Unrepresentable) as caught:
        import_module(ReadsTheCell(), [(1, 5, 3)])
    line = ReadsTheCell.forward.__code__.co_firstlineno + 2
    assert caught.value.problems == [
        f"operator.getitem at test_import_recurrent.py:{line} reads c_n of 'lstm': of its final states only the "
        "top layer's has a block (its state port: h_n[-1], or cat((h_n[-2], h_n[-1]), 1) when bidirectional)",
        f"Tensor.sum at test_import_recurrent.py:{line} reads h_n of 'lstm': of its final states only the "
        "top layer's has a block (its state port: h_n[-1], or cat((h_n[-2], h_n[-1]), 1) when bidirectional)",
    ]
    with pytest.raises(Unrepresentable, match=r"torch.nn.LSTM \(lstm\) at .*batch_first=False has no block"):
        import_module(ReadsTheCell(batch_first=False), [(5, 2, 3)])
