import { type PyCallable, PyDict, type PyKey, PyObject, SET_STATE, setsState } from './python-values.js';

/** A pickle the restricted unpickler refuses or cannot read: names the source, the byte offset and the reason. */
export class PickleError extends Error {
  constructor(
    readonly source: string,
    readonly offset: number,
    detail: string,
  ) {
    super(`${source}: pickle byte ${offset}: ${detail}`);
    this.name = 'PickleError';
  }
}

/** A global the pickle names that is not on the allow-list (e.g. os.system): loading stops before anything runs. */
export class ForbiddenGlobalError extends PickleError {
  constructor(
    source: string,
    offset: number,
    readonly global: string,
  ) {
    super(
      source,
      offset,
      `refused global '${global}': only the globals a checkpoint needs (containers, torch tensors and storages) are allowed`,
    );
    this.name = 'ForbiddenGlobalError';
  }
}

export interface UnpickleOptions {
  /** Names the file in errors. */
  source: string;
  /** Where the pickle starts in `bytes` [0]. */
  offset?: number;
  /** The allowed globals by 'module.name' (module '__builtin__' / 'copy_reg' of Python 2 are mapped to 3's). */
  globals: ReadonlyMap<string, PyCallable>;
  /** Resolves persistent ids (torch storages); without it a persistent id is an error. */
  persistentLoad?: (pid: unknown) => unknown;
}

const MARK = Symbol('mark');
const textDecoder = new TextDecoder('utf-8', { fatal: true });

/** Python 2 module names of the same globals in Python 3. */
const PY2_MODULES: Record<string, string> = { __builtin__: 'builtins', copy_reg: 'copyreg' };

/**
 * Reads one pickle (protocols 0-5) without executing anything: every global is looked up in `options.globals`
 * and anything else is refused with a `ForbiddenGlobalError` naming it. Returns the value and the offset just
 * past the pickle's STOP, so that several pickles written one after another (torch's legacy format) can be read.
 */
export function unpickle(bytes: Uint8Array, options: UnpickleOptions): { value: unknown; end: number } {
  const { source, globals } = options;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = options.offset ?? 0;
  let opStart = pos;
  const stack: unknown[] = [];
  const marks: number[] = [];
  const memo = new Map<number, unknown>();
  const fail = (detail: string): never => {
    throw new PickleError(source, opStart, detail);
  };
  const need = (n: number) => {
    if (n < 0 || pos + n > bytes.length)
      fail(`truncated: needs ${n} more bytes, the data ends at ${bytes.length}`);
  };
  const u8 = () => {
    need(1);
    return bytes[pos++];
  };
  const u16 = () => {
    need(2);
    const v = view.getUint16(pos, true);
    pos += 2;
    return v;
  };
  const u32 = () => {
    need(4);
    const v = view.getUint32(pos, true);
    pos += 4;
    return v;
  };
  const u64 = () => {
    need(8);
    const v = view.getBigUint64(pos, true);
    pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail(`length ${v} is too large`);
    return Number(v);
  };
  const take = (n: number) => {
    need(n);
    const out = bytes.subarray(pos, pos + n);
    pos += n;
    return out;
  };
  const line = () => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) fail('truncated: a text argument has no newline');
    const text = latin1(bytes.subarray(pos, end));
    pos = end + 1;
    return text;
  };
  const utf8 = (b: Uint8Array) => {
    try {
      return textDecoder.decode(b);
    } catch {
      return fail('a unicode string is not valid UTF-8');
    }
  };
  const pop = () => {
    if (stack.length === 0 || stack[stack.length - 1] === MARK) fail('stack underflow');
    return stack.pop();
  };
  const top = () => {
    if (stack.length === 0) fail('stack underflow');
    return stack[stack.length - 1];
  };
  const popMark = () => {
    const m = marks.pop();
    if (m === undefined) fail('no MARK to pop to');
    const items = stack.splice(m!);
    items.shift(); // the MARK itself
    return items;
  };
  const findGlobal = (module: string, name: string): PyCallable => {
    const qualified = `${PY2_MODULES[module] ?? module}.${name}`;
    const g = globals.get(qualified);
    if (!g) throw new ForbiddenGlobalError(source, opStart, qualified);
    return g;
  };
  const callable = (f: unknown, what: string): PyCallable => {
    if (typeof f === 'object' && f !== null && 'call' in f && 'qualifiedName' in f) return f as PyCallable;
    return fail(`${what} of a value that is not an allowed global`);
  };
  const dictOf = (target: unknown, what: string): PyDict => {
    if (target instanceof PyDict) return target;
    return fail(`${what} on a value that is not a dict`);
  };
  const key = (k: unknown): PyKey => {
    if (k === null || ['string', 'number', 'bigint', 'boolean'].includes(typeof k)) return k as PyKey;
    return fail('a dict key that is not a string, number, bool or None');
  };
  const setItems = (d: PyDict, items: unknown[]) => {
    if (items.length % 2) fail('SETITEMS with an odd number of items');
    for (let i = 0; i < items.length; i += 2) d.set(key(items[i]), items[i + 1]);
  };
  const persistent = (pid: unknown) => {
    if (!options.persistentLoad) fail('a persistent id, but this pickle may not reference storages');
    return options.persistentLoad!(pid);
  };
  const memoGet = (i: number) => {
    if (!memo.has(i)) fail(`memo entry ${i} was never stored`);
    return memo.get(i);
  };
  const build = (target: unknown, state: unknown) => {
    if (setsState(target)) target[SET_STATE](state);
    else if (target instanceof PyObject || target instanceof PyDict) {
      // A (dict_state, slot_state) pair or a plain dict of attributes.
      const parts = Array.isArray(state) && state.length === 2 ? state : [state];
      for (const part of parts) {
        if (part === null) continue;
        const attrs = dictOf(part, 'BUILD state');
        for (const [k, v] of attrs) target.attributes[String(k)] = v;
      }
    } else fail('BUILD on a value that takes no state');
  };

  for (;;) {
    opStart = pos;
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) fail('pickle protocol above 5');
        break;
      case 0x95: // FRAME
        u64();
        break;
      case 0x2e: // STOP
        if (stack.length !== 1) fail(`STOP with ${stack.length} values on the stack`);
        return { value: stack[0], end: pos };
      case 0x28: // MARK
        marks.push(stack.length);
        stack.push(MARK);
        break;
      case 0x30: // POP
        if (top() === MARK) popMark();
        else pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x49: {
        // INT (text; protocol 0 writes bools as I01 / I00)
        const text = line();
        if (text === '01') stack.push(true);
        else if (text === '00') stack.push(false);
        else stack.push(parseInteger(text, fail));
        break;
      }
      case 0x4a: // BININT
        need(4);
        stack.push(view.getInt32(pos, true));
        pos += 4;
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x4c: // LONG (text, trailing L)
        stack.push(parseInteger(line().replace(/L$/, ''), fail));
        break;
      case 0x8a: // LONG1
        stack.push(decodeLong(take(u8())));
        break;
      case 0x8b: {
        // LONG4
        const n = u32();
        stack.push(decodeLong(take(n)));
        break;
      }
      case 0x46: {
        // FLOAT (text)
        const v = Number(line());
        if (Number.isNaN(v)) fail('FLOAT that is not a number');
        stack.push(v);
        break;
      }
      case 0x47: // BINFLOAT (big-endian)
        need(8);
        stack.push(view.getFloat64(pos, false));
        pos += 8;
        break;
      case 0x53: // STRING (protocol 0 repr)
        stack.push(parseStringRepr(line(), fail));
        break;
      case 0x54: // BINSTRING (Python 2 str)
        stack.push(latin1(take(u32())));
        break;
      case 0x55: // SHORT_BINSTRING
        stack.push(latin1(take(u8())));
        break;
      case 0x56: // UNICODE (raw-unicode-escape)
        stack.push(
          line().replace(/\\u([0-9a-fA-F]{4})/g, (_, h) => String.fromCharCode(Number.parseInt(h, 16))),
        );
        break;
      case 0x58: // BINUNICODE
        stack.push(utf8(take(u32())));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(utf8(take(u8())));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(utf8(take(u64())));
        break;
      case 0x42: // BINBYTES
        stack.push(take(u32()).slice());
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(take(u8()).slice());
        break;
      case 0x8e: // BINBYTES8
      case 0x96: // BYTEARRAY8
        stack.push(take(u64()).slice());
        break;
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x6c: // LIST
        stack.push(popMark());
        break;
      case 0x61: {
        // APPEND
        const v = pop();
        const list = top();
        if (!Array.isArray(list)) fail('APPEND to a value that is not a list');
        (list as unknown[]).push(v);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        const list = top();
        if (!Array.isArray(list)) fail('APPENDS to a value that is not a list');
        (list as unknown[]).push(...items);
        break;
      }
      case 0x29: // EMPTY_TUPLE
        stack.push([]);
        break;
      case 0x74: // TUPLE
        stack.push(popMark());
        break;
      case 0x85: // TUPLE1
        stack.push([pop()]);
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        stack.push([pop(), b]);
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        stack.push([pop(), b, c]);
        break;
      }
      case 0x7d: // EMPTY_DICT
        stack.push(new PyDict());
        break;
      case 0x64: {
        // DICT
        const d = new PyDict();
        setItems(d, popMark());
        stack.push(d);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        dictOf(top(), 'SETITEM').set(key(k), v);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(dictOf(top(), 'SETITEMS'), items);
        break;
      }
      case 0x8f: // EMPTY_SET
        stack.push(new Set());
        break;
      case 0x90: {
        // ADDITEMS
        const items = popMark();
        const s = top();
        if (!(s instanceof Set)) fail('ADDITEMS to a value that is not a set');
        for (const item of items) (s as Set<unknown>).add(item);
        break;
      }
      case 0x91: // FROZENSET
        stack.push(new Set(popMark()));
        break;
      case 0x63: {
        // GLOBAL
        const module = line();
        const name = line();
        stack.push(findGlobal(module, name));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL needs two strings');
        stack.push(findGlobal(module as string, name as string));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        const f = callable(pop(), 'REDUCE');
        if (!Array.isArray(args)) fail(`REDUCE of ${f.qualifiedName} with arguments that are not a tuple`);
        stack.push(callWith(f, args as unknown[], source, opStart));
        break;
      }
      case 0x81: {
        // NEWOBJ
        const args = pop();
        const cls = callable(pop(), 'NEWOBJ');
        stack.push(callWith(cls, args as unknown[], source, opStart));
        break;
      }
      case 0x92: {
        // NEWOBJ_EX
        pop(); // kwargs: the allowed classes take none
        const args = pop();
        const cls = callable(pop(), 'NEWOBJ_EX');
        stack.push(callWith(cls, args as unknown[], source, opStart));
        break;
      }
      case 0x6f: {
        // OBJ
        const items = popMark();
        const cls = callable(items.shift(), 'OBJ');
        stack.push(callWith(cls, items, source, opStart));
        break;
      }
      case 0x69: {
        // INST
        const cls = findGlobal(line(), line());
        stack.push(callWith(cls, popMark(), source, opStart));
        break;
      }
      case 0x62: {
        // BUILD
        const state = pop();
        build(top(), state);
        break;
      }
      case 0x50: // PERSID
        stack.push(persistent(line()));
        break;
      case 0x51: // BINPERSID
        stack.push(persistent(pop()));
        break;
      case 0x70: // PUT
        memo.set(Number(line()), top());
        break;
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x67: // GET
        stack.push(memoGet(Number(line())));
        break;
      case 0x68: // BINGET
        stack.push(memoGet(u8()));
        break;
      case 0x6a: // LONG_BINGET
        stack.push(memoGet(u32()));
        break;
      default:
        fail(`unsupported opcode 0x${op.toString(16).padStart(2, '0')}`);
    }
  }
}

function callWith(f: PyCallable, args: unknown[], source: string, offset: number): unknown {
  try {
    return f.call(args);
  } catch (error) {
    if (error instanceof PickleError) throw error;
    throw new PickleError(source, offset, `${f.qualifiedName}: ${(error as Error).message}`);
  }
}

function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
  return s;
}

/** Little-endian two's complement bytes (LONG1 / LONG4) as a number, or a bigint past 2^53. */
function decodeLong(b: Uint8Array): number | bigint {
  if (b.length === 0) return 0;
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
  if (b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : v;
}

function parseInteger(text: string, fail: (d: string) => never): number | bigint {
  if (!/^[-+]?\d+$/.test(text)) fail(`'${text}' is not an integer`);
  const v = BigInt(text);
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : v;
}

/** A protocol-0 STRING argument: a quoted Python 2 repr with backslash escapes. */
function parseStringRepr(text: string, fail: (d: string) => never): string {
  const q = text[0];
  if ((q !== "'" && q !== '"') || text[text.length - 1] !== q) fail('STRING argument is not quoted');
  return text.slice(1, -1).replace(/\\(x[0-9a-fA-F]{2}|[\\'"nrt0])/g, (_, e: string) => {
    if (e[0] === 'x') return String.fromCharCode(Number.parseInt(e.slice(1), 16));
    return ({ n: '\n', r: '\r', t: '\t', '0': '\0' } as Record<string, string>)[e] ?? e;
  });
}
