import { type PyCallable, PyDict, PyObject } from '../pickle/python-values.js';
import { unpickle } from '../pickle/unpickler.js';
import { isZip, StoredZip } from '../zip/stored-zip.js';
import { rebuildTensor, STORAGE_TYPES, StorageType, TorchStorage, TorchTensor } from './tensors.js';

/** The magic number torch.save's legacy format starts with, and the only protocol version it wrote. */
const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;
const LEGACY_PROTOCOL = 1001;

function callable(qualifiedName: string, call: (args: unknown[]) => unknown): PyCallable {
  return { qualifiedName, call };
}

/**
 * The allow-list: every global a PyTorch checkpoint of tensors, containers and plain options needs, each a pure
 * function over the pickled arguments. Anything else a pickle names is refused before it could run.
 */
export function checkpointGlobals(): Map<string, PyCallable> {
  const g = new Map<string, PyCallable>();
  const add = (c: PyCallable) => g.set(c.qualifiedName, c);
  add(
    callable('collections.OrderedDict', (args) => {
      const d = new PyDict();
      if (Array.isArray(args[0]))
        for (const pair of args[0] as unknown[][]) d.set(pair[0] as string, pair[1]);
      return d;
    }),
  );
  add(callable('torch._utils._rebuild_tensor', rebuildTensor));
  add(callable('torch._utils._rebuild_tensor_v2', rebuildTensor));
  add(
    callable('torch._utils._rebuild_parameter', (args) => {
      if (!(args[0] instanceof TorchTensor)) throw new Error('the data of a parameter is not a tensor');
      return args[0];
    }),
  );
  add(callable('torch.Size', (args) => (Array.isArray(args[0]) ? [...args[0]] : [])));
  for (const [name, { dtype, bytes }] of Object.entries(STORAGE_TYPES)) {
    add(new StorageType(`torch.${name}`, dtype, bytes));
    add(new StorageType(`torch.cuda.${name}`, dtype, bytes));
  }
  add(callable('argparse.Namespace', () => new PyObject('argparse.Namespace')));
  add(callable('builtins.set', (args) => new Set(Array.isArray(args[0]) ? args[0] : [])));
  add(callable('builtins.frozenset', (args) => new Set(Array.isArray(args[0]) ? args[0] : [])));
  // Python 3 writes bytes at protocol 2 as _codecs.encode(text, 'latin1').
  add(
    callable('_codecs.encode', ([text, encoding]) => {
      if (typeof text !== 'string' || (encoding !== 'latin1' && encoding !== 'latin-1')) {
        throw new Error('only latin1 text is decoded to bytes');
      }
      return Uint8Array.from(text, (c) => c.charCodeAt(0));
    }),
  );
  return g;
}

function storageTypeOf(value: unknown, source: string): StorageType {
  if (value instanceof StorageType) return value;
  throw new Error(`${source}: a storage reference names no storage type`);
}

/** Reads a PyTorch checkpoint: zip (torch >= 1.6) or legacy torch.save (torch 0.1 to 1.5). Never runs code. */
export function loadTorchCheckpoint(bytes: Uint8Array, source = 'checkpoint'): unknown {
  if (isZip(bytes)) return loadZip(bytes, source);
  if (bytes.length > 262 && new TextDecoder().decode(bytes.subarray(257, 262)) === 'ustar') {
    throw new Error(
      `${source}: a tar checkpoint (torch < 0.1.10) is not supported; re-save it with a newer torch`,
    );
  }
  return loadLegacy(bytes, source);
}

function loadZip(bytes: Uint8Array, source: string): unknown {
  const zip = new StoredZip(bytes, source);
  const pkl = [...zip.entries.keys()].find((name) => name.endsWith('/data.pkl') || name === 'data.pkl');
  if (!pkl) throw new Error(`${source}: a zip archive without data.pkl is not a torch.save checkpoint`);
  const prefix = pkl.slice(0, pkl.length - 'data.pkl'.length);
  if (zip.entries.has(`${prefix}byteorder`)) {
    const order = new TextDecoder().decode(zip.read(`${prefix}byteorder`)).trim();
    if (order !== 'little')
      throw new Error(`${source}: byteorder '${order}' is not supported (only little-endian)`);
  }
  const storages = new Map<string, TorchStorage>();
  const persistentLoad = (pid: unknown) => {
    if (!Array.isArray(pid) || pid[0] !== 'storage' || pid.length < 5) {
      throw new Error(`${source}: unsupported persistent id ${JSON.stringify(String(pid))}`);
    }
    const [, typeValue, key, location, numel] = pid;
    const key_ = String(key);
    const cached = storages.get(key_);
    if (cached) return cached;
    const type = storageTypeOf(typeValue, source);
    const storage = new TorchStorage(key_, type.dtype, type.elementSize, Number(numel), String(location));
    const data = zip.read(`${prefix}data/${key_}`);
    if (data.length < storage.numel * storage.elementSize) {
      throw new Error(
        `${source}: storage ${key_} holds ${data.length} bytes, ${storage.numel} ${type.dtype} need ${storage.numel * storage.elementSize}`,
      );
    }
    storage.attach(alignedCopy(data));
    storages.set(key_, storage);
    return storage;
  };
  return unpickle(zip.read(pkl), { source: `${source}:${pkl}`, globals: checkpointGlobals(), persistentLoad })
    .value;
}

function loadLegacy(bytes: Uint8Array, source: string): unknown {
  const none = new Map<string, PyCallable>();
  let magic: unknown;
  let pos = 0;
  try {
    ({ value: magic, end: pos } = unpickle(bytes, { source, globals: none }));
  } catch {
    magic = undefined;
  }
  if (magic !== LEGACY_MAGIC) {
    throw new Error(
      `${source}: not a PyTorch checkpoint (neither a zip archive nor torch.save's legacy magic number)`,
    );
  }
  const protocol = unpickle(bytes, { source, globals: none, offset: pos });
  if (protocol.value !== LEGACY_PROTOCOL) {
    throw new Error(
      `${source}: legacy protocol ${String(protocol.value)} is not supported (expected ${LEGACY_PROTOCOL})`,
    );
  }
  const sysInfo = unpickle(bytes, { source, globals: none, offset: protocol.end });
  if (sysInfo.value instanceof PyDict && sysInfo.value.get('little_endian') === false) {
    throw new Error(`${source}: saved on a big-endian machine, which is not supported`);
  }
  const storages = new Map<string, TorchStorage>();
  const persistentLoad = (pid: unknown) => {
    if (!Array.isArray(pid) || pid[0] !== 'storage' || pid.length < 5) {
      throw new Error(`${source}: unsupported persistent id ${JSON.stringify(String(pid))}`);
    }
    const [, typeValue, rootKey, location, numel, view] = pid;
    const type = storageTypeOf(typeValue, source);
    const key = String(rootKey);
    let root = storages.get(key);
    if (!root) {
      root = new TorchStorage(key, type.dtype, type.elementSize, Number(numel), String(location));
      storages.set(key, root);
    }
    if (Array.isArray(view) && view.length === 3) {
      const [viewKey, offset, size] = view as [unknown, number, number];
      const name = String(viewKey);
      let v = storages.get(name);
      if (!v) {
        v = new TorchStorage(name, type.dtype, type.elementSize, size, String(location), {
          storage: root,
          offset,
        });
        storages.set(name, v);
      }
      return v;
    }
    return root;
  };
  const object = unpickle(bytes, {
    source,
    globals: checkpointGlobals(),
    persistentLoad,
    offset: sysInfo.end,
  });
  const keys = unpickle(bytes, { source, globals: none, offset: object.end });
  if (!Array.isArray(keys.value)) throw new Error(`${source}: the storage key list is missing`);
  let pos2 = keys.end;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const k of keys.value as unknown[]) {
    const storage = storages.get(String(k));
    if (!storage) throw new Error(`${source}: storage ${String(k)} is listed but no tensor uses it`);
    if (pos2 + 8 > bytes.length) throw new Error(`${source}: truncated before storage ${storage.key}`);
    const numel = Number(view.getBigInt64(pos2, true));
    if (numel !== storage.numel) {
      throw new Error(
        `${source}: storage ${storage.key} has ${numel} elements on disk, ${storage.numel} in its reference`,
      );
    }
    const length = numel * storage.elementSize;
    if (pos2 + 8 + length > bytes.length)
      throw new Error(`${source}: truncated inside storage ${storage.key}`);
    storage.attach(alignedCopy(bytes.subarray(pos2 + 8, pos2 + 8 + length)));
    pos2 += 8 + length;
  }
  return object.value;
}

/** A copy in its own buffer (so typed views of it are aligned). */
function alignedCopy(b: Uint8Array): Uint8Array {
  return b.slice();
}

/** The tensors of a state dict (a dict of name -> tensor), with an error naming a value that is not a tensor. */
export function stateDictTensors(value: unknown, what: string): Map<string, TorchTensor> {
  if (!(value instanceof PyDict)) throw new Error(`${what}: not a state dict (a dict of tensors)`);
  const out = new Map<string, TorchTensor>();
  for (const [k, v] of value) {
    if (!(v instanceof TorchTensor)) throw new Error(`${what}: '${String(k)}' is not a tensor`);
    out.set(String(k), v);
  }
  return out;
}
