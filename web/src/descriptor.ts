// A data product as its descriptor (docs/descriptors.md, `kind:
// DataProduct` of `apiVersion: meshplane.dev/v1`): the YAML that
// `meshplane product get NAME -o yaml` prints and `meshplane apply` reads,
// turned into the API's DataProduct and back. The mapping is the CLI's
// (src/cli/descriptor.cc): the same fields, the same checks, unknown fields
// refused, every problem named by line, column and field path.
import {Document, LineCounter, isMap, isScalar, isSeq, parseAllDocuments}
    from 'yaml';
import type {Node, YAMLMap} from 'yaml';
import type {DataProduct, OutputPort} from './api';

export interface DescriptorError {
  line: number;
  col: number;
  path: string;
  message: string;
}

export interface Descriptor {
  domain: string;
  id: string;
  // The API's DataProduct (JSON names), without name, lifecycle and the
  // server's fields.
  product: DataProduct;
  // spec.lifecycle, as LIFECYCLE_X, if the file names a target.
  lifecycle?: string;
}

// The fields a descriptor states: `apply` sends them all in the update
// mask, so that what the file leaves out is cleared.
export const UPDATE_MASK = 'display_name,description,owner_team,tier,' +
    'classification,tags,labels,output_ports,input_ports';

const ID = /^[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const CLASSIFICATIONS = ['PUBLIC', 'INTERNAL', 'CONFIDENTIAL', 'RESTRICTED'];
const LIFECYCLES = ['DRAFT', 'PUBLISHED', 'DEPRECATED', 'RETIRED'];

class Reader {
  errors: DescriptorError[] = [];
  constructor(private lines: LineCounter) {}

  error(node: Node|null|undefined, path: string, message: string) {
    const at = this.lines.linePos(node?.range?.[0] ?? 0);
    this.errors.push({line: at.line, col: at.col, path, message});
  }

  // The entries of a mapping, after refusing the keys not in `allowed`.
  map(node: unknown, path: string, allowed: string[]):
      Map<string, Node>|undefined {
    if (!isMap(node)) {
      this.error(node as Node, path, 'expected a mapping');
      return undefined;
    }
    const out = new Map<string, Node>();
    for (const pair of (node as YAMLMap<Node, Node>).items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      const at = join(path, key);
      if (!allowed.includes(key)) {
        this.error(pair.key as Node, at, 'unknown field');
        continue;
      }
      // `key:` with nothing (null) is as if absent, as in the CLI.
      if (pair.value == null ||
          (isScalar(pair.value) && pair.value.value === null)) {
        continue;
      }
      out.set(key, pair.value as Node);
    }
    return out;
  }

  string(m: Map<string, Node>, path: string, key: string): string|undefined {
    const node = m.get(key);
    if (node === undefined) return undefined;
    if (!isScalar(node)) {
      this.error(node, join(path, key), 'expected a string');
      return undefined;
    }
    return String(node.value);
  }

  required(m: Map<string, Node>, path: string, key: string, at: Node|null):
      string|undefined {
    const v = this.string(m, path, key);
    if (v === undefined && !m.has(key)) {
      this.error(at, join(path, key), 'required');
    }
    return v;
  }

  id(m: Map<string, Node>, path: string, key: string, at: Node|null):
      string|undefined {
    const v = this.required(m, path, key, at);
    if (v !== undefined && !ID.test(v)) {
      this.error(m.get(key), join(path, key),
                 `"${v}" is not a valid id (lowercase letters, digits and ` +
                 'hyphens, starting with a letter, 1-63 chars)');
    }
    return v;
  }

  number(m: Map<string, Node>, path: string, key: string, integer: boolean):
      number|undefined {
    const node = m.get(key);
    if (node === undefined) return undefined;
    const v = isScalar(node) ? Number(node.value) : NaN;
    if (!isScalar(node) || String(node.value).trim() === '' ||
        !Number.isFinite(v) || (integer && !Number.isInteger(v))) {
      this.error(node, join(path, key),
                 integer ? 'expected an integer' : 'expected a number');
      return undefined;
    }
    return v;
  }

  strings(m: Map<string, Node>, path: string, key: string):
      string[]|undefined {
    const node = m.get(key);
    if (node === undefined) return undefined;
    if (!isSeq(node)) {
      this.error(node, join(path, key), 'expected a list of strings');
      return undefined;
    }
    const out: string[] = [];
    node.items.forEach((item, i) => {
      if (!isScalar(item)) {
        this.error(item as Node, `${join(path, key)}[${i}]`,
                   'expected a string');
      } else {
        out.push(String(item.value));
      }
    });
    return out;
  }

  stringMap(m: Map<string, Node>, path: string, key: string):
      Record<string, string>|undefined {
    const node = m.get(key);
    if (node === undefined) return undefined;
    if (!isMap(node)) {
      this.error(node, join(path, key), 'expected a mapping of strings');
      return undefined;
    }
    const out: Record<string, string> = {};
    for (const pair of (node as YAMLMap<Node, Node>).items) {
      const k = isScalar(pair.key) ? String(pair.key.value) : '';
      if (!isScalar(pair.value)) {
        this.error(pair.value as Node, join(join(path, key), k),
                   'expected a string');
      } else {
        out[k] = String(pair.value.value ?? '');
      }
    }
    return out;
  }

  duration(m: Map<string, Node>, path: string, key: string):
      string|undefined {
    const text = this.string(m, path, key);
    if (text === undefined) return undefined;
    const seconds = parseDuration(text);
    if (seconds === undefined) {
      this.error(m.get(key), join(path, key), `"${text}" is not a duration ` +
                 '(examples: 30d, 12h, 1h30m, 90s, 250ms)');
      return undefined;
    }
    return `${seconds}s`;
  }
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

// The CLI's duration syntax: numbers with units ms, s, m, h, d, w, summed
// ("1h30m").
export function parseDuration(text: string): number|undefined {
  const units: Record<string, number> = {ms: 0.001, s: 1, m: 60, h: 3600,
                                         d: 86400, w: 604800};
  const re = /(\d+(?:\.\d+)?)([a-z]+)/gy;
  let total = 0;
  let m: RegExpExecArray|null;
  let end = 0;
  while ((m = re.exec(text)) !== null) {
    if (!(m[2] in units)) return undefined;
    total += Number(m[1]) * units[m[2]];
    end = re.lastIndex;
  }
  if (text === '' || end !== text.length) return undefined;
  return Math.round(total * 1e9) / 1e9;
}

// "5400s" -> "1h30m", as the CLI prints durations.
export function formatDuration(proto: string): string {
  let s = parseFloat(proto);
  if (!Number.isFinite(s) || s <= 0) return proto;
  let out = '';
  for (const [unit, n] of [['h', 3600], ['m', 60]] as [string, number][]) {
    if (s >= n) {
      out += `${Math.floor(s / n)}${unit}`;
      s -= Math.floor(s / n) * n;
    }
  }
  s = Math.round(s * 1000) / 1000;
  if (s > 0) out += Number.isInteger(s) || s >= 1 ? `${s}s` : `${s * 1000}ms`;
  return out;
}

function outputPort(r: Reader, node: Node, path: string):
    OutputPort|undefined {
  const m = r.map(node, path, ['id', 'displayName', 'type', 'server',
                               'location', 'description', 'contract',
                               'objectives']);
  if (!m) return undefined;
  const port = {id: r.id(m, path, 'id', node) ?? ''} as OutputPort;
  for (const k of ['displayName', 'type', 'server', 'location', 'description',
                   'contract'] as const) {
    const v = r.string(m, path, k);
    if (v !== undefined) port[k] = v;
  }
  const objectives = m.get('objectives');
  if (objectives !== undefined) {
    const opath = join(path, 'objectives');
    const o = r.map(objectives, opath, ['availabilityPercent', 'maxStaleness',
                                        'completenessPercent', 'latency']);
    if (o) {
      const slo: Record<string, number|string> = {};
      for (const k of ['availabilityPercent', 'completenessPercent']) {
        const v = r.number(o, opath, k, false);
        if (v !== undefined) slo[k] = v;
      }
      // Only present durations are set: a zero one is refused.
      for (const k of ['maxStaleness', 'latency']) {
        const v = r.duration(o, opath, k);
        if (v !== undefined) slo[k] = v;
      }
      port.objectives = slo;
    }
  }
  return port;
}

// Parses one DataProduct descriptor. Throws DescriptorErrors (all of them,
// in file order) when it is not right.
export function parseDescriptor(text: string): Descriptor {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, {lineCounter: lines,
                                        prettyErrors: false,
                                        uniqueKeys: true});
  const r = new Reader(lines);
  const list = Array.isArray(docs) ? docs : [];
  for (const d of list) {
    for (const e of d.errors) {
      const at = lines.linePos(e.pos[0]);
      r.errors.push({line: at.line, col: at.col, path: '',
                     message: e.message.split('\n')[0]});
    }
  }
  if (r.errors.length) throw new DescriptorErrors(r.errors);
  const real = list.filter((d) => d.contents !== null);
  if (real.length !== 1) {
    throw new DescriptorErrors([{line: 1, col: 1, path: '',
        message: real.length === 0 ? 'the descriptor is empty' :
            'one data product at a time: this holds ' +
            `${real.length} documents (use meshplane apply for several)`}]);
  }
  const doc: Document = real[0];
  const root = doc.contents as Node;
  const top = r.map(root, '', ['apiVersion', 'kind', 'metadata', 'spec',
                               'status']);
  if (!top) throw new DescriptorErrors(r.errors);
  const apiVersion = r.required(top, '', 'apiVersion', root);
  if (apiVersion !== undefined && apiVersion !== 'meshplane.dev/v1') {
    r.error(top.get('apiVersion'), 'apiVersion',
            `"${apiVersion}" is not meshplane.dev/v1 (an ODPS document ` +
            'applies with meshplane apply)');
  }
  const kind = r.required(top, '', 'kind', root);
  if (kind !== undefined && kind !== 'DataProduct') {
    r.error(top.get('kind'), 'kind',
            `"${kind}" is not DataProduct (this page edits data products)`);
  }
  const product = {} as DataProduct;
  let domain = '';
  let id = '';
  let lifecycle: string|undefined;
  const metaNode = top.get('metadata');
  if (metaNode === undefined) {
    r.error(root, 'metadata', 'required');
  } else {
    const meta = r.map(metaNode, 'metadata', ['name', 'domain', 'labels']);
    if (meta) {
      id = r.id(meta, 'metadata', 'name', metaNode) ?? '';
      domain = r.id(meta, 'metadata', 'domain', metaNode) ?? '';
      const labels = r.stringMap(meta, 'metadata', 'labels');
      if (labels) product.labels = labels;
    }
  }
  const specNode = top.get('spec');
  if (specNode === undefined) {
    r.error(root, 'spec', 'required');
  } else {
    const spec = r.map(specNode, 'spec', [
      'displayName', 'description', 'ownerTeam', 'tier', 'classification',
      'tags', 'lifecycle', 'outputPorts', 'inputPorts']);
    if (spec) {
      const displayName = r.string(spec, 'spec', 'displayName');
      if (displayName !== undefined) product.displayName = displayName;
      const description = r.string(spec, 'spec', 'description');
      if (description !== undefined) product.description = description;
      const owner = r.required(spec, 'spec', 'ownerTeam', specNode);
      if (owner !== undefined) {
        product.ownerTeam = owner.startsWith('teams/') ? owner :
            `teams/${owner}`;
      }
      const tier = r.number(spec, 'spec', 'tier', true);
      if (tier !== undefined) {
        if (tier < 0 || tier > 3) {
          r.error(spec.get('tier'), 'spec.tier',
                  `${tier} is not a tier (1, 2 or 3; 0 for none)`);
        }
        product.tier = tier;
      }
      const c = r.string(spec, 'spec', 'classification');
      if (c !== undefined) {
        const v = c.toUpperCase().replace(/^CLASSIFICATION_/, '');
        if (CLASSIFICATIONS.includes(v)) {
          product.classification = `CLASSIFICATION_${v}`;
        } else {
          r.error(spec.get('classification'), 'spec.classification',
                  `"${c}" is not a classification (public, internal, ` +
                  'confidential or restricted)');
        }
      }
      const l = r.string(spec, 'spec', 'lifecycle');
      if (l !== undefined) {
        const v = l.toUpperCase().replace(/^LIFECYCLE_/, '');
        if (LIFECYCLES.includes(v)) {
          lifecycle = `LIFECYCLE_${v}`;
        } else {
          r.error(spec.get('lifecycle'), 'spec.lifecycle',
                  `"${l}" is not a lifecycle (draft, published, deprecated ` +
                  'or retired)');
        }
      }
      const tags = r.strings(spec, 'spec', 'tags');
      if (tags) product.tags = tags;
      const outs = spec.get('outputPorts');
      if (outs !== undefined) {
        if (!isSeq(outs)) {
          r.error(outs, 'spec.outputPorts', 'expected a list');
        } else {
          product.outputPorts = [];
          outs.items.forEach((o, i) => {
            const port = outputPort(r, o as Node, `spec.outputPorts[${i}]`);
            if (port) product.outputPorts!.push(port);
          });
        }
      }
      const ins = spec.get('inputPorts');
      if (ins !== undefined) {
        if (!isSeq(ins)) {
          r.error(ins, 'spec.inputPorts', 'expected a list');
        } else {
          product.inputPorts = [];
          ins.items.forEach((node, i) => {
            const path = `spec.inputPorts[${i}]`;
            const m = r.map(node, path, ['id', 'source', 'description']);
            if (!m) return;
            const source = r.required(m, path, 'source', node as Node);
            if (source !== undefined &&
                !/^domains\/[^/]+\/dataProducts\/[^/]+\/outputPorts\/[^/]+$/
                     .test(source)) {
              r.error(m.get('source'), join(path, 'source'),
                      `"${source}" is not an output port name ` +
                      '(domains/D/dataProducts/P/outputPorts/O)');
            }
            const port = {id: r.id(m, path, 'id', node as Node) ?? '',
                          source: source ?? ''} as
                {id: string, source: string, description?: string};
            const description = r.string(m, path, 'description');
            if (description !== undefined) port.description = description;
            product.inputPorts!.push(port);
          });
        }
      }
    }
  }
  if (r.errors.length) throw new DescriptorErrors(r.errors);
  return {domain, id, product, lifecycle};
}

export class DescriptorErrors extends Error {
  constructor(readonly errors: DescriptorError[]) {
    errors.sort((a, b) => a.line - b.line || a.col - b.col);
    super(errors.map((e) => `line ${e.line}, column ${e.col}: ` +
                            `${e.path ? e.path + ': ' : ''}${e.message}`)
              .join('\n'));
  }
}

// The descriptor of a product, as `meshplane product get NAME -o yaml`
// prints it (keys sorted, empty fields left out, short ids), without the
// server's `status`.
export function toDescriptor(p: DataProduct): string {
  const [, domain, , id] = p.name.split('/');
  const spec: Record<string, unknown> = {};
  const put = (k: string, v: unknown) => {
    if (v === undefined || v === '' || v === 0 ||
        (Array.isArray(v) && v.length === 0)) {
      return;
    }
    spec[k] = v;
  };
  put('displayName', p.displayName);
  put('description', p.description);
  put('ownerTeam', (p.ownerTeam ?? '').replace(/^teams\//, ''));
  put('tier', p.tier);
  put('classification', (p.classification ?? '')
      .replace(/^CLASSIFICATION_(UNSPECIFIED)?/, '').toLowerCase());
  put('lifecycle', (p.lifecycle ?? '').replace(/^LIFECYCLE_(UNSPECIFIED)?/, '')
      .toLowerCase());
  put('tags', p.tags);
  put('outputPorts', (p.outputPorts ?? []).map((o) => {
    const port: Record<string, unknown> = {id: o.id};
    for (const k of ['displayName', 'type', 'server', 'location',
                     'description', 'contract'] as const) {
      if (o[k]) port[k] = o[k];
    }
    const slo: Record<string, unknown> = {};
    const obj = (o.objectives ?? {}) as Record<string, number|string>;
    if (obj.availabilityPercent) {
      slo.availabilityPercent = Number(obj.availabilityPercent);
    }
    if (obj.completenessPercent) {
      slo.completenessPercent = Number(obj.completenessPercent);
    }
    if (obj.maxStaleness) {
      slo.maxStaleness = formatDuration(String(obj.maxStaleness));
    }
    if (obj.latency) slo.latency = formatDuration(String(obj.latency));
    if (Object.keys(slo).length) port.objectives = slo;
    return port;
  }));
  put('inputPorts', (p.inputPorts ?? []).map((i) => {
    const port: Record<string, unknown> = {id: i.id, source: i.source};
    if (i.description) port.description = i.description;
    return port;
  }));
  const metadata: Record<string, unknown> = {domain, name: id};
  if (p.labels && Object.keys(p.labels).length) metadata.labels = p.labels;
  const doc = new Document({apiVersion: 'meshplane.dev/v1',
                            kind: 'DataProduct', metadata, spec},
                           {sortMapEntries: true});
  return doc.toString({lineWidth: 0, indentSeq: true});
}

// A descriptor to start from on the "New data product" page.
export function template(domain: string, team: string): string {
  return `apiVersion: meshplane.dev/v1
kind: DataProduct
metadata:
  domain: ${domain || 'sales'}
  name: my-product
spec:
  displayName: My product
  description: What it offers, in a sentence or two.
  ownerTeam: ${team || 'my-team'}
  tier: 2
  classification: internal
  tags: []
  outputPorts:
    - id: main
      type: table
      server: postgres://warehouse.example.com:5432/db
      location: schema.table
      objectives:
        availabilityPercent: 99.5
        maxStaleness: 1d
  inputPorts: []
`;
}
