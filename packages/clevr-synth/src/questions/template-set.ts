import { parseWithSchema } from '@mmnet/clevr-data';
import {
  type Metadata,
  metadataSchema,
  type Synonyms,
  synonymsSchema,
  type Template,
  templateFileSchema,
} from './template-schema.js';

/** A template with where it came from. */
export interface LoadedTemplate extends Template {
  /** The family (template file name without `.json`, e.g. `zero_hop`). */
  family: string;
  /** Index in its file. */
  indexInFamily: number;
  /** Index over all templates (families in name order, then file order): the question_family_index. */
  familyIndex: number;
  /** The template file name, e.g. `zero_hop.json`. */
  filename: string;
}

/** Everything the generator reads: templates, metadata and synonyms. */
export interface TemplateSet {
  templates: LoadedTemplate[];
  metadata: Metadata;
  synonyms: Synonyms;
}

/**
 * Validates raw template-family JSON values, metadata and synonyms into a TemplateSet. Families are
 * ordered by name so that question_family_index is stable. Errors name the family file and path.
 */
export function buildTemplateSet(
  families: Readonly<Record<string, unknown>>,
  metadata: unknown,
  synonyms: unknown,
): TemplateSet {
  const meta = parseWithSchema(metadataSchema, metadata, 'metadata.json');
  const syn = parseWithSchema(synonymsSchema, synonyms, 'synonyms.json');
  const known = new Set(meta.functions.map((f) => f.name));
  const templates: LoadedTemplate[] = [];
  for (const family of Object.keys(families).sort()) {
    const filename = `${family}.json`;
    const list = parseWithSchema(templateFileSchema, families[family], filename);
    list.forEach((t, i) => {
      t.nodes.forEach((n, j) => {
        if (!known.has(n.type))
          throw new Error(`${filename}: [${i}].nodes[${j}].type: unknown function '${n.type}'`);
      });
      t.params.forEach((p, j) => {
        if (!(p.type in meta.types))
          throw new Error(`${filename}: [${i}].params[${j}].type: unknown type '${p.type}'`);
      });
      templates.push({ ...t, family, indexInFamily: i, familyIndex: templates.length, filename });
    });
  }
  if (templates.length === 0) throw new Error('no templates given');
  return { templates, metadata: meta, synonyms: syn };
}
