#!/usr/bin/env python3
"""Parity fixtures for `mmnet convert --from clevr-iep` (test/clevr-iep-parity.test.ts).

Builds tiny randomly initialised models shaped as clevr-iep's (a Seq2Seq LSTM program generator and a ModuleNet
execution engine, written here from clevr-iep's published description: stem of conv3x3 [+ batch norm] + ReLU
layers, a residual block per unary token and for `scene`, a 1x1 projection then a residual block per binary
token, a classifier of conv1x1 projection, max-pool, flatten and linear layers), saves them as clevr-iep's
train_model.py does (a dict with *_kwargs, *_state and vocab) with torch.save in the zip format and in the legacy
format, runs them in eval mode on fixed inputs, and writes the outputs as JSON.

Needs PyTorch (Debian: apt-get install python3-torch); the tests only read what it writes.
Run: python3 packages/trainer/scripts/make-clevr-iep-fixtures.py && pnpm biome format --write packages/trainer/test/fixtures
"""
import json
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'clevr-iep')

SPECIAL = ['<NULL>', '<START>', '<END>', '<UNK>']
QUESTION_WORDS = ['what', 'color', 'is', 'the', 'cube', 'how', 'many', 'red', 'things', '?']
PROGRAM_TOKENS = ['scene', 'filter_color[red]', 'unique', 'count', 'exist', 'equal_integer', 'union']
ANSWERS = ['yes', 'no', '0', '1', '2', 'red', 'blue']


def token_map(tokens):
    return {t: i for i, t in enumerate(SPECIAL + tokens)}


VOCAB = {
    'question_token_to_idx': token_map(QUESTION_WORDS),
    'program_token_to_idx': token_map(PROGRAM_TOKENS),
    'answer_token_to_idx': token_map(ANSWERS),
}
for part in ['question', 'program', 'answer']:
    VOCAB[part + '_idx_to_token'] = {i: t for t, i in VOCAB[part + '_token_to_idx'].items()}


def num_inputs(token):
    """clevr-iep's arity rule: scene 0; names with 'equal', union, intersect, less/greater_than 2; else 1."""
    name = token.split('[')[0]
    if name == 'scene':
        return 0
    if 'equal' in name or name in ('union', 'intersect', 'less_than', 'greater_than'):
        return 2
    return 1


class Seq2Seq(nn.Module):
    """Embedding + LSTM encoder (state at the last non-null token); decoder LSTM fed [encoding, token]."""

    def __init__(self, encoder_vocab_size, decoder_vocab_size, wordvec_dim, hidden_dim, rnn_num_layers):
        super().__init__()
        self.encoder_embed = nn.Embedding(encoder_vocab_size, wordvec_dim)
        self.encoder_rnn = nn.LSTM(wordvec_dim, hidden_dim, rnn_num_layers, batch_first=True)
        self.decoder_embed = nn.Embedding(decoder_vocab_size, wordvec_dim)
        self.decoder_rnn = nn.LSTM(wordvec_dim + hidden_dim, hidden_dim, rnn_num_layers, batch_first=True)
        self.decoder_linear = nn.Linear(hidden_dim, decoder_vocab_size)
        self.hidden_dim = hidden_dim

    def encode(self, x):
        n, t = x.shape
        last = torch.full((n,), t - 1, dtype=torch.long)
        for i in range(n):
            for j in range(t - 1):
                if x[i, j] != 0 and x[i, j + 1] == 0:
                    last[i] = j
                    break
        out, _ = self.encoder_rnn(self.encoder_embed(x))
        return out[torch.arange(n), last]

    def decode(self, encoded, y, state=None):
        n, t = y.shape
        inputs = torch.cat([encoded.view(n, 1, -1).expand(n, t, self.hidden_dim), self.decoder_embed(y)], 2)
        out, state = self.decoder_rnn(inputs, state)
        return self.decoder_linear(out), state

    def greedy(self, x, max_length=30):
        """reinforce_sample(argmax=True): max_length steps, <NULL> after each row's <END>."""
        n = x.shape[0]
        encoded = self.encode(x)
        y = torch.zeros(n, max_length, dtype=torch.long)
        done = torch.zeros(n, dtype=torch.bool)
        cur = torch.full((n, 1), 1, dtype=torch.long)
        state = None
        for t in range(max_length):
            logits, state = self.decode(encoded, cur, state)
            out = logits[:, 0].argmax(1)
            y[~done, t] = out[~done]
            done = done | (out == 2)
            cur = out.view(n, 1)
            if bool(done.all()):
                break
        return y


class ResidualBlock(nn.Module):
    def __init__(self, dim, with_residual, with_batchnorm):
        super().__init__()
        self.conv1 = nn.Conv2d(dim, dim, 3, padding=1)
        self.conv2 = nn.Conv2d(dim, dim, 3, padding=1)
        self.with_batchnorm = with_batchnorm
        self.with_residual = with_residual
        if with_batchnorm:
            self.bn1 = nn.BatchNorm2d(dim)
            self.bn2 = nn.BatchNorm2d(dim)

    def forward(self, x):
        if self.with_batchnorm:
            out = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        else:
            out = self.conv2(F.relu(self.conv1(x)))
        return F.relu(x + out) if self.with_residual else F.relu(out)


class ConcatBlock(nn.Module):
    def __init__(self, dim, with_residual, with_batchnorm):
        super().__init__()
        self.proj = nn.Conv2d(2 * dim, dim, 1)
        self.res_block = ResidualBlock(dim, with_residual, with_batchnorm)

    def forward(self, x, y):
        return self.res_block(F.relu(self.proj(torch.cat([x, y], 1))))


class ModuleNet(nn.Module):
    def __init__(self, vocab, feature_dim, stem_num_layers, stem_batchnorm, module_dim, module_residual,
                 module_batchnorm, classifier_proj_dim, classifier_downsample, classifier_fc_layers,
                 classifier_batchnorm, classifier_dropout):
        super().__init__()
        c, h, w = feature_dim
        layers = []
        for i in range(stem_num_layers):
            layers.append(nn.Conv2d(c if i == 0 else module_dim, module_dim, 3, padding=1))
            if stem_batchnorm:
                layers.append(nn.BatchNorm2d(module_dim))
            layers.append(nn.ReLU())
        self.stem = nn.Sequential(*layers)
        layers = []
        channels = module_dim
        if classifier_proj_dim > 0:
            layers.append(nn.Conv2d(module_dim, classifier_proj_dim, 1))
            if classifier_batchnorm:
                layers.append(nn.BatchNorm2d(classifier_proj_dim))
            layers.append(nn.ReLU())
            channels = classifier_proj_dim
        pool = {'maxpool2': 2, 'maxpool4': 4}.get(classifier_downsample, 1)
        if pool > 1:
            layers.append(nn.MaxPool2d(pool, pool))
        layers.append(nn.Flatten())
        prev = channels * (h // pool) * (w // pool)
        for size in classifier_fc_layers:
            layers.append(nn.Linear(prev, size))
            if classifier_batchnorm:
                layers.append(nn.BatchNorm1d(size))
            layers.append(nn.ReLU())
            if classifier_dropout > 0:
                layers.append(nn.Dropout(classifier_dropout))
            prev = size
        layers.append(nn.Linear(prev, len(vocab['answer_idx_to_token'])))
        self.classifier = nn.Sequential(*layers)
        self.vocab = vocab
        self.arity = {}
        for token in vocab['program_token_to_idx']:
            self.arity[token] = num_inputs(token)
            block = ConcatBlock if self.arity[token] == 2 else ResidualBlock
            self.add_module(token, block(module_dim, module_residual, module_batchnorm))

    def run(self, feats, program, i, j):
        """_forward_modules_ints_helper: <START> skipped, <NULL> or past the end = scene."""
        if j < program.shape[1]:
            token = self.vocab['program_idx_to_token'][int(program[i, j])]
        else:
            token = 'scene'
        if token == '<NULL>':
            token = 'scene'
        elif token == '<START>':
            return self.run(feats, program, i, j + 1)
        j += 1
        module = getattr(self, token)
        if token == 'scene':
            return module(feats[i:i + 1]), j
        inputs = []
        while len(inputs) < self.arity[token]:
            x, j = self.run(feats, program, i, j)
            inputs.append(x)
        return module(*inputs), j

    def forward(self, x, program):
        feats = self.stem(x)
        outs = [self.run(feats, program, i, 0)[0] for i in range(x.shape[0])]
        return self.classifier(torch.cat(outs, 0))


def randomise(model, generator, gain):
    """Every parameter and batch-norm statistic drawn afresh: weights N(0, gain^2 / fan_in), the rest small."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() > 1:
                p.copy_(torch.randn(p.shape, generator=generator) * gain / p[0].numel() ** 0.5)
            else:
                p.copy_(torch.randn(p.shape, generator=generator) * 0.2)
        for name, b in model.named_buffers():
            if name.endswith('running_mean'):
                b.copy_(torch.randn(b.shape, generator=generator) * 0.3)
            elif name.endswith('running_var'):
                b.copy_(torch.rand(b.shape, generator=generator) + 0.5)
        for m in model.modules():
            if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
                m.weight.add_(1.0)


def ids(tokens, part):
    return [VOCAB[part + '_token_to_idx'][t] for t in tokens]


def pad(rows, width):
    return [r + [0] * (width - len(r)) for r in rows]


# Programs of every arity, plus rows clevr-iep reads in its own way: too short (scene past the end), a
# <NULL> inside, <END> and <UNK> read as unary modules, several leading <START>.
GIVEN_PROGRAMS = [
    ['<START>', 'count', 'filter_color[red]', 'scene', '<END>'],
    ['<START>', 'equal_integer', 'count', 'scene', 'count', 'filter_color[red]', 'scene', '<END>'],
    ['<START>', 'exist', 'union', 'filter_color[red]', 'scene', 'unique', 'scene', '<END>'],
    ['<START>', 'equal_integer', 'count', 'union', 'scene'],
    ['<START>', '<START>', 'exist', '<NULL>', 'count'],
    ['count', '<END>', '<UNK>', 'filter_color[red]'],
]
QUESTIONS = [
    ['<START>', 'what', 'color', 'is', 'the', 'cube', '?', '<END>'],
    ['<START>', 'how', 'many', 'red', 'things', '?', '<END>'],
    ['<START>', 'is', 'the', 'red', 'cube', '?', '<END>'],
    ['<START>', 'how', 'many', 'things', '<END>'],
    ['<START>', 'what', 'is', '<UNK>', '?', '<END>'],
    ['<START>', 'color', 'color', 'red', 'red', 'cube', 'many', '<END>'],
]


def make(name, ee_kwargs, seed, formats):
    g = torch.Generator().manual_seed(seed)
    pg_kwargs = {'encoder_vocab_size': len(VOCAB['question_token_to_idx']),
                 'decoder_vocab_size': len(VOCAB['program_token_to_idx']),
                 'wordvec_dim': 6, 'hidden_dim': 8, 'rnn_num_layers': 2, 'rnn_dropout': 0}
    pg = Seq2Seq(**{k: v for k, v in pg_kwargs.items() if k != 'rnn_dropout'})
    randomise(pg, g, 3.0)
    ee = ModuleNet(VOCAB, **ee_kwargs)
    randomise(ee, g, 1.5)
    pg.eval()
    ee.eval()
    c, h, w = ee_kwargs['feature_dim']
    n = len(QUESTIONS)
    feats = torch.randn(n, c, h, w, generator=g)
    questions = torch.tensor(pad([ids(q, 'question') for q in QUESTIONS], 9))
    given = torch.tensor(pad([ids(p, 'program') for p in GIVEN_PROGRAMS], 10))
    with torch.no_grad():
        predicted = pg.greedy(questions)
        inputs = torch.cat([torch.ones(n, 1, dtype=torch.long), predicted[:, :-1]], 1)
        gen_logits, _ = pg.decode(pg.encode(questions), inputs)
        given_logits = ee(feats, given)
        predicted_logits = ee(feats, predicted)
    ee_kwargs = dict(ee_kwargs, vocab=VOCAB)
    checkpoint = {
        'args': {'model_type': 'PG+EE', 'feature_dim': ','.join(map(str, ee_kwargs['feature_dim']))},
        'program_generator_kwargs': pg_kwargs,
        'program_generator_state': {k: v.clone() for k, v in pg.state_dict().items()},
        'execution_engine_kwargs': ee_kwargs,
        'execution_engine_state': {k: v.clone() for k, v in ee.state_dict().items()},
        'baseline_kwargs': None, 'baseline_state': None, 'baseline_type': None,
        'vocab': VOCAB,
        'train_losses': [2.5, 1.25], 'val_accs': [0.5], 'best_val_acc': 0.5, 'model_t': 2,
    }
    for fmt in formats:
        torch.save(checkpoint, os.path.join(OUT, f'{name}.{fmt}.pt'),
                   _use_new_zipfile_serialization=(fmt == 'zip'))
    r = lambda t: [round(float(v), 6) for v in t.reshape(-1).tolist()]
    expected = {
        'features_nhwc': r(feats.permute(0, 2, 3, 1)), 'feature_shape': [n, h, w, c],
        'questions': questions.tolist(),
        'given_programs': given.tolist(), 'given_logits': r(given_logits),
        'predicted_programs': predicted.tolist(),
        'generator_logits': r(gen_logits), 'generator_logits_shape': list(gen_logits.shape),
        'predicted_logits': r(predicted_logits), 'num_answers': predicted_logits.shape[1],
    }
    with open(os.path.join(OUT, f'{name}.expected.json'), 'w') as f:
        json.dump(expected, f, separators=(',', ':'))


SEEDS = [int(s) for s in os.environ.get('SEEDS', '3,4').split(',')]

if __name__ == '__main__':
    os.makedirs(OUT, exist_ok=True)
    # Batch norm everywhere, residual modules, projection, maxpool2, two hidden layers, dropout (inactive in eval).
    make('batchnorm', dict(feature_dim=(5, 4, 4), stem_num_layers=2, stem_batchnorm=True, module_dim=4,
                           module_residual=True, module_batchnorm=True, classifier_proj_dim=6,
                           classifier_downsample='maxpool2', classifier_fc_layers=(7, 5),
                           classifier_batchnorm=True, classifier_dropout=0.5), SEEDS[0], ['legacy'])
    # No batch norm, no residual, no projection, no pooling, one stem layer, no hidden layer.
    make('plain', dict(feature_dim=(5, 3, 3), stem_num_layers=1, stem_batchnorm=False, module_dim=4,
                       module_residual=False, module_batchnorm=False, classifier_proj_dim=0,
                       classifier_downsample='none', classifier_fc_layers=(),
                       classifier_batchnorm=False, classifier_dropout=0), SEEDS[1], ['zip'])
