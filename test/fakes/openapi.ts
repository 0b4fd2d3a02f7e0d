/**
 * Validates HTTP traffic against Firefly III's official OpenAPI document (test/reference/, see its
 * README for origin and licence). Used by the Firefly fake:
 * every request the project sends and every answer the fake gives is checked against the operation
 * it matches, and each mismatch is recorded as a violation that fails the test.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse } from 'yaml';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const REFERENCE_DIR = join(repoRoot, 'test', 'reference');
export const FIREFLY_SPEC_PATH = join(REFERENCE_DIR, 'firefly-iii-v6.6.2-v1.yaml');
export const FIDI_SCHEMA_PATH = join(REFERENCE_DIR, 'fidi-config-v3.schema.json');

/** A reference file the tests check against; its absence fails the run (nothing switches off silently). */
export function readReference(path: string): string {
  if (!existsSync(path))
    throw new Error(`${path} is missing: the tests check against it (see test/reference/README.md)`);
  return readFileSync(path, 'utf8');
}

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  schema?: Record<string, unknown>;
}
interface Operation {
  operationId?: string;
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  responses?: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}
type Spec = { paths: Record<string, Record<string, Operation>>; components: Record<string, unknown> };

export interface OpenApiValidator {
  /** Problems with a request, empty when it matches the spec. */
  checkRequest(method: string, path: string, query: URLSearchParams, body: unknown): string[];
  checkResponse(method: string, path: string, status: number, contentType: string, body: unknown): string[];
}

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

let cached: OpenApiValidator | undefined;

/** The validator; throws when the spec file is not there. */
export function loadFireflySpecValidator(): OpenApiValidator {
  if (cached !== undefined) return cached;
  const spec = parse(readReference(FIREFLY_SPEC_PATH)) as Spec;
  const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
  addFormats(ajv);
  ajv.addFormat('amount', /^-?\d+(\.\d+)?$/);
  for (const f of ['string', 'int32', 'int64', 'double', 'float', 'iban', 'json', 'binary'])
    ajv.addFormat(f, true);
  ajv.addSchema({ $id: 'ff', components: spec.components });

  const templates = Object.keys(spec.paths).map((p) => ({
    template: p,
    regex: new RegExp(`^${p.replace(/\{[^}]+\}/g, '[^/]+')}$`),
    literal: !p.includes('{'),
  }));
  const compiled = new Map<string, ValidateFunction | string>();
  const compile = (key: string, schema: unknown): ValidateFunction | string => {
    let v = compiled.get(key);
    if (!v) {
      try {
        v = ajv.compile(rewriteRefs(schema) as object);
      } catch (err) {
        v = `cannot compile schema ${key}: ${err instanceof Error ? err.message : String(err)}`;
      }
      compiled.set(key, v);
    }
    return v;
  };
  const find = (method: string, path: string): { template: string; op: Operation } | null => {
    const specPath = path.replace(/^\/api/, '');
    const hits = templates.filter((t) => t.regex.test(specPath));
    // A literal path (/v1/search/transactions) wins over a template (/v1/search/{x}).
    hits.sort((a, b) => Number(b.literal) - Number(a.literal));
    for (const h of hits) {
      const op = spec.paths[h.template]?.[method.toLowerCase()];
      if (op) return { template: h.template, op };
    }
    return null;
  };
  const run = (v: ValidateFunction | string, data: unknown, where: string): string[] => {
    if (typeof v === 'string') return [v];
    if (v(data)) return [];
    return (v.errors ?? []).map(
      (e) => `${where}${e.instancePath || ''} ${e.message ?? ''} ${JSON.stringify(e.params)}`,
    );
  };

  cached = {
    checkRequest(method, path, query, body) {
      const found = find(method, path);
      if (!found) return [`${method} ${path}: no such operation in the Firefly III OpenAPI spec`];
      const problems: string[] = [];
      const params = (found.op.parameters ?? []).filter((p) => p.in === 'query');
      for (const p of params) {
        if (p.required && !query.has(p.name))
          problems.push(`${method} ${path}: query parameter ${p.name} is required`);
      }
      for (const [name, raw] of query) {
        const p = params.find((x) => x.name === name);
        if (!p) {
          problems.push(`${method} ${path}: query parameter ${name} is not in the spec`);
          continue;
        }
        const type = (p.schema as { type?: string } | undefined)?.type;
        const value =
          type === 'integer' || type === 'number' ? Number(raw) : type === 'boolean' ? raw === 'true' : raw;
        problems.push(
          ...run(
            compile(`${found.template} ${method} q:${name}`, p.schema ?? {}),
            value,
            `${method} ${path} ?${name}`,
          ),
        );
      }
      if (body !== undefined) {
        const schema = found.op.requestBody?.content?.['application/json']?.schema;
        if (!schema) problems.push(`${method} ${path}: the spec has no JSON request body for this operation`);
        else
          problems.push(
            ...run(compile(`${found.template} ${method} body`, schema), body, `${method} ${path} body`),
          );
      }
      return problems;
    },
    checkResponse(method, path, status, contentType, body) {
      const found = find(method, path);
      if (!found) return [];
      const response = found.op.responses?.[String(status)];
      if (!response) return [`${method} ${path}: status ${status} is not documented`];
      if (!response.content)
        return body === undefined || body === null
          ? []
          : [`${method} ${path}: ${status} has no body in the spec`];
      const type = contentType.split(';')[0]!.trim();
      const media = response.content[type];
      if (!media)
        return [
          `${method} ${path}: ${status} content type ${type} is not in the spec (${Object.keys(response.content).join(', ')})`,
        ];
      if (!media.schema) return [];
      return run(
        compile(`${found.template} ${method} ${status} ${type}`, media.schema),
        body,
        `${method} ${path} → ${status}`,
      );
    },
  };
  return cached;
}

function rewriteRefs(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(rewriteRefs);
  if (node && typeof node === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) {
      out[k] = k === '$ref' && typeof v === 'string' && v.startsWith('#/') ? `ff${v}` : rewriteRefs(v);
    }
    return out;
  }
  return node;
}
