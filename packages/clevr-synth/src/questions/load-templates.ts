import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { BUILTIN_METADATA, BUILTIN_SYNONYMS } from './builtin-templates.js';
import { buildTemplateSet, type TemplateSet } from './template-set.js';

const NOT_TEMPLATES = new Set(['metadata.json', 'synonyms.json', 'properties.json']);

function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`${path}: cannot read (${(e as Error).message})`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${path}: not valid JSON (${(e as Error).message})`);
  }
}

/** The first of `candidates` that exists, read as JSON; else `fallback`. */
function firstJson(candidates: (string | undefined)[], fallback: unknown): unknown {
  for (const c of candidates) if (c && existsSync(c)) return readJson(c);
  return fallback;
}

export interface LoadTemplatesOptions {
  metadataPath?: string;
  synonymsPath?: string;
}

/**
 * Loads a folder of CLEVR template files (every `*.json` except metadata/synonyms/properties), e.g. the
 * official `question_templates/`. metadata.json and synonyms.json are taken from the given paths, else
 * from the folder, else from its parent folder, else the package's own.
 */
export function loadTemplateDir(dir: string, options: LoadTemplatesOptions = {}): TemplateSet {
  if (!existsSync(dir)) throw new Error(`${dir}: template folder not found`);
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json') && !NOT_TEMPLATES.has(f))
    .sort();
  if (files.length === 0) throw new Error(`${dir}: no template files (*.json) found`);
  const families: Record<string, unknown> = {};
  for (const f of files) families[basename(f, '.json')] = readJson(join(dir, f));
  const metadata = firstJson(
    [options.metadataPath, join(dir, 'metadata.json'), join(dirname(dir), 'metadata.json')],
    BUILTIN_METADATA,
  );
  const synonyms = firstJson(
    [options.synonymsPath, join(dir, 'synonyms.json'), join(dirname(dir), 'synonyms.json')],
    BUILTIN_SYNONYMS,
  );
  try {
    return buildTemplateSet(families, metadata, synonyms);
  } catch (e) {
    throw new Error(`${dir}/${(e as Error).message}`);
  }
}
