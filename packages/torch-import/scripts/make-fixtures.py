#!/usr/bin/env python3
"""Fixtures for @mmnet/torch-import's tests: small checkpoints written by torch.save in both formats.

`values.{zip,legacy}.pt` hold tensors of several dtypes and layouts (a transposed view, a slice at an offset,
two tensors sharing one storage) and the Python values checkpoints carry (OrderedDict, tuples, nested dicts,
argparse.Namespace, a big int, bytes, a set). `evil.{zip,legacy}.pt` hold an object whose unpickling would call
os.system: the loader must refuse it by naming the global. `expected.json` lists what the tests compare.

Needs PyTorch (Debian: apt-get install python3-torch).
Run: python3 packages/torch-import/scripts/make-fixtures.py && pnpm biome format --write packages/torch-import/test/fixtures
"""
import argparse
import collections
import json
import os

import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures')


class Evil:
    def __reduce__(self):
        return (os.system, ('echo torch-import-must-never-run-this',))


def main():
    os.makedirs(OUT, exist_ok=True)
    base = torch.arange(12, dtype=torch.float32).reshape(3, 4) / 4 - 1
    state = collections.OrderedDict()
    state['weight'] = base
    state['transposed'] = base.t()
    state['row_slice'] = base[1:, 1:3]
    state['double'] = torch.tensor([1.5, -2.25], dtype=torch.float64)
    state['half'] = torch.tensor([0.5, -3.0, 65504.0], dtype=torch.float16)
    state['long'] = torch.tensor([[7, -8], [9, 10]], dtype=torch.int64)
    state['num_batches_tracked'] = torch.tensor(42)
    state['flag'] = torch.tensor([True, False])
    value = {
        'state': state,
        'kwargs': {'feature_dim': (1024, 14, 14), 'fc_layers': [1024], 'name': 'résumé', 'none': None},
        'args': argparse.Namespace(lr=5e-4, batch_size=64),
        'big': 2 ** 70,
        'negative': -(2 ** 40),
        'raw': b'\x00\x01\xff',
        'tokens': {'a', 'b'},
    }
    for fmt in ['zip', 'legacy']:
        torch.save(value, os.path.join(OUT, f'values.{fmt}.pt'), _use_new_zipfile_serialization=fmt == 'zip')
        torch.save({'state': state, 'payload': Evil()}, os.path.join(OUT, f'evil.{fmt}.pt'),
                   _use_new_zipfile_serialization=fmt == 'zip')
    expected = {k: v.reshape(-1).tolist() for k, v in state.items()}
    expected = {k: {'shape': list(state[k].shape), 'values': [float(x) for x in v]} for k, v in expected.items()}
    with open(os.path.join(OUT, 'expected.json'), 'w') as f:
        json.dump(expected, f, indent=1)


if __name__ == '__main__':
    main()
