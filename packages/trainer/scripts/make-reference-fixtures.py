#!/usr/bin/env python3
"""Parity fixtures for `mmnet convert --from reference` (test/reference-parity.test.ts).

A tiny SAN shaped as the reference's (stem; question embedding + 2-layer LSTM, its state at the last non-null
token; one attention layer h = tanh(Wv v + Wu u), p = softmax of Wp h over positions, applied for 3 hops with
u <- u + sum p v; classifier linear + ReLU + linear), and a tiny PG model shaped as the reference project's (VisualReasoning_MMnet, written here from its description: a
stem of two conv3x3 + ReLU; per program token a residual block `c1`, `c2` (binary tokens: `c1` over the two
inputs concatenated, then `c2`, `c3`, plus `c1`'s output), `scene` included, which runs a block over the
features; a classifier conv1x1 + ReLU + maxpool 2 + flatten + linear + ReLU + linear), random weights, saved as
the reference saves it (`torch.save(model.state_dict())`, legacy format), and run on fixed programs by the
reference's own evaluation order (programs read right to left with one saved register). And a tiny PG_memory as
the reference defines it (written from its description): PG's stem and classifier, the per-token blocks replaced by
a module `memory` holding two banks, `memory.unary` [unary functions, 2k] (per row the two 3x3 kernels of a unary
block, each [d, d, 3, 3] flattened) and `memory.binary` [binary functions, 4k] (the [d, 2d, 3, 3] kernel, then two
[d, d, 3, 3]), k = 9 d^2, one row per function in the vocabulary's order; a step reads its row as a one-hot address
times the bank and runs a bias-free residual block with it; `scene` is the stem's features.

Needs PyTorch (Debian: apt-get install python3-torch).
Run: python3 packages/trainer/scripts/make-reference-fixtures.py && pnpm biome format --write packages/trainer/test/fixtures
"""
import json
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'reference')
SPECIAL = ['<NULL>', '<START>', '<END>', '<UNK>']
PROGRAM_TOKENS = ['scene', 'filter_color[red]', 'filter_shape[cube]', 'count', 'exist', 'equal_integer', 'union']
ANSWERS = ['yes', 'no', '0', '1', '2', 'red', 'cube']
QUESTION_WORDS = ['how', 'many', '?']


def token_map(tokens):
    return {t: i for i, t in enumerate(SPECIAL + tokens)}


VOCAB = {'question_token_to_idx': token_map(QUESTION_WORDS), 'program_token_to_idx': token_map(PROGRAM_TOKENS),
         'answer_token_to_idx': token_map(ANSWERS)}
IDX_TO_TOKEN = {i: t for t, i in VOCAB['program_token_to_idx'].items()}


def is_binary(token):
    return 'equal' in token or token in ('union', 'intersect', 'less_than', 'greater_than')


def run_program(ids, x, scene, unary, binary):
    """The reference's evaluation order: a prefix program read right to left with one saved register."""
    out, saved = x, None
    for i in reversed(ids):
        token = IDX_TO_TOKEN[i]
        if token in SPECIAL:
            continue
        if token == 'scene':
            saved, out = out, scene(x)
        elif is_binary(token):
            out = binary(token, out, saved)
        else:
            out = unary(token, out)
    return out


class Unary(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.c1 = nn.Conv2d(d, d, 3, padding=1)
        self.c2 = nn.Conv2d(d, d, 3, padding=1)

    def forward(self, x):
        return F.relu(x + self.c2(F.relu(self.c1(x))))


class Binary(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.c1 = nn.Conv2d(2 * d, d, 3, padding=1)
        self.c2 = nn.Conv2d(d, d, 3, padding=1)
        self.c3 = nn.Conv2d(d, d, 3, padding=1)

    def forward(self, a, b):
        o1 = F.relu(self.c1(torch.cat([a, b], 1)))
        return F.relu(o1 + self.c3(F.relu(self.c2(o1))))


class Flatten(nn.Module):
    def forward(self, x):
        return x.view(x.size(0), -1)


class PG(nn.Module):
    def __init__(self, in_channels, d, side, proj, hidden, answers):
        super().__init__()
        for token in PROGRAM_TOKENS:
            self.add_module(token, Binary(d) if is_binary(token) else Unary(d))
        self.stem = nn.Sequential(nn.Conv2d(in_channels, d, 3, padding=1), nn.ReLU(),
                                  nn.Conv2d(d, d, 3, padding=1), nn.ReLU())
        self.classifier = nn.Sequential(nn.Conv2d(d, proj, 1), nn.ReLU(), nn.MaxPool2d(2, 2), Flatten(),
                                        nn.Linear(proj * side * side, hidden), nn.ReLU(), nn.Linear(hidden, answers))

    def forward(self, feats, programs):
        v = self.stem(feats)
        run = lambda token: getattr(self, token)
        outs = [run_program(programs[b].tolist(), v[b:b + 1], run('scene'), lambda t, x: run(t)(x),
                            lambda t, a, c: run(t)(a, c)) for b in range(feats.shape[0])]
        return self.classifier(torch.cat(outs, 0))


PROGRAMS = [
    ['<START>', 'count', 'filter_color[red]', 'scene', '<END>'],
    ['<START>', 'equal_integer', 'count', 'filter_color[red]', 'scene', 'count', 'filter_shape[cube]', 'scene',
     '<END>'],
    ['<START>', 'exist', 'union', 'filter_color[red]', 'scene', 'filter_shape[cube]', 'scene', '<END>'],
    ['<START>', 'exist', 'scene', '<END>'],
]


class SAN(nn.Module):
    def __init__(self, in_channels, d, words, wordvec, attention, hidden, answers):
        super().__init__()
        self.rnn = nn.Module()
        self.rnn.embed = nn.Embedding(words, wordvec)
        self.rnn.rnn = nn.LSTM(wordvec, d, 2, batch_first=True)
        self.attention = nn.Module()
        self.attention.Wv = nn.Conv2d(d, attention, 1)
        self.attention.Wu = nn.Linear(d, attention)
        self.attention.Wp = nn.Conv2d(attention, 1, 1)
        self.stem = nn.Sequential(nn.Conv2d(in_channels, d, 3, padding=1), nn.ReLU(),
                                  nn.Conv2d(d, d, 3, padding=1), nn.ReLU())
        self.classifier = nn.Sequential(nn.Linear(d, hidden), nn.ReLU(), nn.Linear(hidden, answers))

    def forward(self, feats, questions):
        v = self.stem(feats)
        n, d, h, w = v.shape
        last = torch.full((n,), questions.shape[1] - 1, dtype=torch.long)
        for i in range(n):
            for t in range(questions.shape[1] - 1):
                if questions[i, t] != 0 and questions[i, t + 1] == 0:
                    last[i] = t
                    break
        states, _ = self.rnn.rnn(self.rnn.embed(questions))
        u = states[torch.arange(n), last]
        for _ in range(3):
            hidden = torch.tanh(self.attention.Wv(v) + self.attention.Wu(u).view(n, -1, 1, 1))
            p = F.softmax(self.attention.Wp(hidden).view(n, h * w), dim=1).view(n, 1, h, w)
            u = u + (p * v).sum(3).sum(2)
        return self.classifier(u)


def kernels(row, shapes):
    parts, start = [], 0
    for shape in shapes:
        n = 1
        for s in shape:
            n *= s
        parts.append(row[start:start + n].view(*shape))
        start += n
    return parts


class ModuleMemory(nn.Module):
    def __init__(self, unary, binary, d):
        super().__init__()
        k = 9 * d * d
        self.unary = nn.Parameter(torch.empty(len(unary), 2 * k))
        self.binary = nn.Parameter(torch.empty(len(binary), 4 * k))


class PGMemory(nn.Module):
    def __init__(self, in_channels, d, side, proj, hidden, answers):
        super().__init__()
        self.d = d
        self.unary_tokens = [t for t in PROGRAM_TOKENS if t != 'scene' and not is_binary(t)]
        self.binary_tokens = [t for t in PROGRAM_TOKENS if is_binary(t)]
        self.stem = nn.Sequential(nn.Conv2d(in_channels, d, 3, padding=1), nn.ReLU(),
                                  nn.Conv2d(d, d, 3, padding=1), nn.ReLU())
        self.memory = ModuleMemory(self.unary_tokens, self.binary_tokens, d)
        self.classifier = nn.Sequential(nn.Conv2d(d, proj, 1), nn.ReLU(), nn.MaxPool2d(2, 2), Flatten(),
                                        nn.Linear(proj * side * side, hidden), nn.ReLU(), nn.Linear(hidden, answers))

    def read(self, bank, tokens, token):
        address = torch.zeros(1, len(tokens))
        address[0, tokens.index(token)] = 1
        return torch.mm(address, bank)[0]

    def unary(self, token, x):
        d = self.d
        w1, w2 = kernels(self.read(self.memory.unary, self.unary_tokens, token), [(d, d, 3, 3)] * 2)
        return F.relu(x + F.conv2d(F.relu(F.conv2d(x, w1, padding=1)), w2, padding=1))

    def binary(self, token, a, b):
        d = self.d
        w1, w2, w3 = kernels(self.read(self.memory.binary, self.binary_tokens, token),
                             [(d, 2 * d, 3, 3), (d, d, 3, 3), (d, d, 3, 3)])
        o1 = F.relu(F.conv2d(torch.cat([a, b], 1), w1, padding=1))
        return F.relu(o1 + F.conv2d(F.relu(F.conv2d(o1, w2, padding=1)), w3, padding=1))

    def forward(self, feats, programs):
        v = self.stem(feats)
        outs = [run_program(programs[b].tolist(), v[b:b + 1], lambda x: x, self.unary, self.binary)
                for b in range(feats.shape[0])]
        return self.classifier(torch.cat(outs, 0))


def token_rows(sequences, token_to_idx):
    """Sequences of tokens as id rows padded with <NULL>."""
    width = max(len(q) for q in sequences)
    return torch.tensor([[token_to_idx[t] for t in q] + [0] * (width - len(q)) for q in sequences])


def save_fixture(name, model, feats, inputs_name, inputs):
    """Runs `model` in eval mode, saves its state dict as the reference does and writes what the test compares."""
    model.eval()
    with torch.no_grad():
        logits = model(feats, inputs)
    torch.save(model.state_dict(), os.path.join(OUT, f'{name}.model'), _use_new_zipfile_serialization=False)
    r = lambda t: [round(float(v), 6) for v in t.reshape(-1).tolist()]
    n, c, h, w = feats.shape
    with open(os.path.join(OUT, f'{name}.expected.json'), 'w') as f:
        json.dump({'vocab': VOCAB, 'features_nhwc': r(feats.permute(0, 2, 3, 1)), 'feature_shape': [n, h, w, c],
                   inputs_name: inputs.tolist(), 'logits': r(logits)}, f)


def make_pg_memory(g):
    model = PGMemory(5, 4, 2, 3, 6, len(VOCAB['answer_token_to_idx']))
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.startswith('memory.'):  # rows of kernels: each kernel's fan-in is 9 x its input channels
                p.copy_(torch.randn(p.shape, generator=g) * (1.5 / (9 * 4)) ** 0.5)
            else:
                p.copy_(torch.randn(p.shape, generator=g) * ((1.5 / p[0].numel()) ** 0.5 if p.dim() > 1 else 0.2))
    feats = torch.randn(len(PROGRAMS), 5, 4, 4, generator=g)
    save_fixture('pg_memory', model, feats, 'programs', token_rows(PROGRAMS, VOCAB['program_token_to_idx']))


QUESTIONS = [['<START>', 'how', 'many', '?', '<END>'], ['<START>', 'how', '?', '<END>'],
             ['<START>', 'many', 'many', 'how', '?', '<END>'], ['<START>', '<UNK>', '<END>']]


def make_san(g):
    model = SAN(5, 4, len(VOCAB['question_token_to_idx']), 3, 5, 6, len(VOCAB['answer_token_to_idx']))
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=g) * ((2.0 / p[0].numel()) ** 0.5 if p.dim() > 1 else 0.3))
    feats = torch.randn(len(QUESTIONS), 5, 3, 3, generator=g)
    save_fixture('san', model, feats, 'questions', token_rows(QUESTIONS, VOCAB['question_token_to_idx']))


def make_pg(g):
    model = PG(5, 4, 2, 3, 6, len(VOCAB['answer_token_to_idx']))
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=g) * ((1.5 / p[0].numel()) ** 0.5 if p.dim() > 1 else 0.2))
    feats = torch.randn(len(PROGRAMS), 5, 4, 4, generator=g)
    save_fixture('pg', model, feats, 'programs', token_rows(PROGRAMS, VOCAB['program_token_to_idx']))


def main():
    os.makedirs(OUT, exist_ok=True)
    make_san(torch.Generator().manual_seed(12))
    make_pg_memory(torch.Generator().manual_seed(13))
    make_pg(torch.Generator().manual_seed(11))


if __name__ == '__main__':
    main()
