import { z } from 'zod';

/** One node of a CLEVR question template; composite types (filter_unique, relate_filter_count, ...) included. */
export const templateNodeSchema = z.object({
  type: z.string().min(1),
  inputs: z.array(z.number().int().nonnegative()).default([]),
  side_inputs: z.array(z.string()).optional(),
});
export type TemplateNode = z.output<typeof templateNodeSchema>;

export const templateParamSchema = z.object({ name: z.string().min(1), type: z.string().min(1) });

/**
 * Constraints: `NULL` (the parameter must stay unset: '' or 'thing'), `NEQ`/`NE` (two parameters must not
 * take the same value), `OUT_NEQ` (the outputs of two template nodes must differ, as CLEVR compares them:
 * for a `filter_count` node that is the count), and mmnet's `SET_NEQ` (the object sets two template nodes
 * work on must differ: for count/exist/unique composites, the set before counting).
 */
export const templateConstraintSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('NULL'), params: z.tuple([z.string()]) }),
  z.object({ type: z.enum(['NEQ', 'NE']), params: z.tuple([z.string(), z.string()]) }),
  z.object({ type: z.enum(['OUT_NEQ', 'SET_NEQ']), params: z.tuple([z.number().int(), z.number().int()]) }),
]);
export type TemplateConstraint = z.output<typeof templateConstraintSchema>;

export const templateSchema = z
  .looseObject({
    text: z.array(z.string().min(1)).min(1),
    nodes: z.array(templateNodeSchema).min(1),
    params: z.array(templateParamSchema),
    constraints: z.array(templateConstraintSchema).default([]),
  })
  .superRefine((t, ctx) => {
    const names = new Set(t.params.map((p) => p.name));
    t.nodes.forEach((node, i) => {
      node.inputs.forEach((j, k) => {
        if (j >= i)
          ctx.addIssue({
            code: 'custom',
            path: ['nodes', i, 'inputs', k],
            message: `input ${j} is not an earlier node`,
          });
      });
      (node.side_inputs ?? []).forEach((s, k) => {
        if (!names.has(s))
          ctx.addIssue({
            code: 'custom',
            path: ['nodes', i, 'side_inputs', k],
            message: `unknown parameter '${s}'`,
          });
      });
    });
    t.constraints.forEach((c, i) => {
      if (c.type === 'OUT_NEQ' || c.type === 'SET_NEQ') {
        c.params.forEach((j, k) => {
          if (j < 0 || j >= t.nodes.length) {
            ctx.addIssue({ code: 'custom', path: ['constraints', i, 'params', k], message: `no node ${j}` });
          }
        });
      } else {
        c.params.forEach((p, k) => {
          if (!names.has(String(p)))
            ctx.addIssue({
              code: 'custom',
              path: ['constraints', i, 'params', k],
              message: `unknown parameter '${p}'`,
            });
        });
      }
    });
  });
export type Template = z.output<typeof templateSchema>;
export const templateFileSchema = z.array(templateSchema);

/** CLEVR's metadata.json: value domains per type and the signature of every (basic and template) function. */
export const metadataSchema = z.looseObject({
  dataset: z.string(),
  types: z.record(z.string(), z.array(z.string()).nullable()),
  functions: z.array(
    z.looseObject({
      name: z.string(),
      inputs: z.array(z.string()),
      side_inputs: z.array(z.string()).optional(),
      output: z.string(),
      terminal: z.boolean().optional(),
      template_only: z.boolean().optional(),
    }),
  ),
});
export type Metadata = z.output<typeof metadataSchema>;

/** synonyms.json: a value or word -> the phrasings that may replace it. */
export const synonymsSchema = z.record(z.string(), z.array(z.string()).min(1));
export type Synonyms = z.output<typeof synonymsSchema>;
