// A data contract: its versions, the schema of one, and the difference
// between two, breaking changes first, with the consumers they affect.
import {api, listAll} from '../api';
import {navigate} from '../router';
import {Empty, ErrorBox, Loading, enumWord, useLoad, when} from '../ui';

interface Version {name: string, version: string, status?: string,
                   originalYaml?: string, normalizedJson?: string,
                   publishedBy?: string, createTime?: string}
interface Change {kind?: string, path?: string, description?: string,
                  change?: string, breaks?: string}
interface Report {compatible?: boolean, changes?: Change[],
                  requiredBump?: string, declaredBump?: string,
                  impactedConsumers?: {consumer?: string, via?: string,
                                       outputPort?: string}[]}

async function load(id: string) {
  const [contract, versions] = await Promise.all([
    api<{name: string, displayName?: string, description?: string,
         compatibilityMode?: string, latestVersion?: string,
         dataProduct?: string}>('GET', `contracts/${encodeURIComponent(id)}`),
    listAll<Version>(`contracts/${encodeURIComponent(id)}/versions`,
                     'contractVersions'),
  ]);
  return {contract, versions};
}

interface Column {name?: string, logicalType?: string, physicalType?: string,
                  required?: boolean, description?: string,
                  classification?: string}

// The schema objects and their properties from an ODCS v3 document.
function schemaOf(json: string|undefined): {name: string,
                                             columns: Column[]}[] {
  try {
    const doc = JSON.parse(json ?? '{}');
    return (doc.schema ?? []).map((o: any) => ({
      name: String(o.name ?? ''),
      columns: (o.properties ?? []) as Column[],
    }));
  } catch {
    return [];
  }
}

export function Contract(props: {id: string, params: URLSearchParams}) {
  const [data, error, loading] = useLoad(() => load(props.id), [props.id]);
  if (loading && !data) return <Loading what="the contract" />;
  if (error) return <ErrorBox error={error} />;
  const {contract, versions} = data!;
  if (versions.length === 0) return <Empty>No version published.</Empty>;
  const sorted = [...versions].sort((a, b) =>
      (a.createTime ?? '').localeCompare(b.createTime ?? ''));
  const pick = (k: string, dflt: string) => props.params.get(k) ?? dflt;
  const to = pick('to', sorted[sorted.length - 1].version);
  const from = pick('from', sorted.length > 1 ?
      sorted[sorted.length - 2].version : to);
  const shown = sorted.find((v) => v.version === to) ?? sorted[0];
  const set = (k: string, v: string) => {
    const p = new URLSearchParams(props.params);
    p.set(k, v);
    navigate(`/contracts/${encodeURIComponent(props.id)}?${p}`, true);
  };
  return <article>
    <h1>Contract {contract.displayName || props.id}</h1>
    <p class="muted"><code>{contract.name}</code> · compatibility {enumWord(
        contract.compatibilityMode, 'COMPATIBILITY_MODE_')} · latest{' '}
      {contract.latestVersion}</p>
    <p>{contract.description}</p>
    <h2>Versions</h2>
    <table><thead><tr><th scope="col">Version</th><th scope="col">Status</th>
      <th scope="col">Published by</th><th scope="col">When</th></tr></thead>
      <tbody>{sorted.map((v) => <tr><td>{v.version}</td><td>{v.status}</td>
        <td>{v.publishedBy}</td><td>{when(v.createTime)}</td></tr>)}</tbody>
    </table>
    <h2>Schema of {shown.version}</h2>
    {schemaOf(shown.normalizedJson).map((o) => <>
      <h3>{o.name}</h3>
      <table data-testid="schema"><thead><tr><th scope="col">Column</th>
        <th scope="col">Type</th><th scope="col">Required</th>
        <th scope="col">Classification</th><th scope="col">Description</th>
        </tr></thead>
        <tbody>{o.columns.map((c) => <tr><td><code>{c.name}</code></td>
          <td>{c.logicalType ?? c.physicalType}</td>
          <td>{c.required ? 'yes' : 'no'}</td><td>{c.classification}</td>
          <td>{c.description}</td></tr>)}</tbody></table></>)}
    <h2>Compare versions</h2>
    <form class="inline-form" onSubmit={(e) => e.preventDefault()}>
      <label for="from">From</label>
      <select id="from" value={from} data-testid="diff-from"
              onChange={(e) => set('from', (e.target as HTMLSelectElement).value)}>
        {sorted.map((v) => <option value={v.version}>{v.version}</option>)}
      </select>
      <label for="to">to</label>
      <select id="to" value={to} data-testid="diff-to"
              onChange={(e) => set('to', (e.target as HTMLSelectElement).value)}>
        {sorted.map((v) => <option value={v.version}>{v.version}</option>)}
      </select>
    </form>
    {from === to ? <p class="muted">Pick two different versions.</p> :
     <Diff id={props.id} from={from}
           yaml={sorted.find((v) => v.version === to)?.originalYaml ?? ''} />}
  </article>;
}

function Diff(props: {id: string, from: string, yaml: string}) {
  const [report, error, loading] = useLoad(
      () => api<{report?: Report}>('POST', 'contracts:checkCompatibility',
          {body: {yaml: props.yaml, againstVersion: props.from}}),
      [props.id, props.from, props.yaml]);
  if (loading && !report) return <Loading what="the differences" />;
  if (error) return <ErrorBox error={error} />;
  const r = report!.report ?? {};
  const changes = [...(r.changes ?? [])].sort((a, b) =>
      (a.kind === 'CHANGE_KIND_BREAKING' ? 0 : 1) -
      (b.kind === 'CHANGE_KIND_BREAKING' ? 0 : 1));
  return <section data-testid="diff">
    <p class={r.compatible ? 'good' : 'bad'}>{r.compatible ?
        'Compatible: no reader of the older version breaks.' :
        `Breaking: needs a ${enumWord(r.requiredBump, 'SEMVER_BUMP_')} version.`}
    </p>
    {changes.length === 0 ? <p class="muted">No change.</p> :
     <ul class="changes">{changes.map((c) => <li
         class={`change ${c.kind === 'CHANGE_KIND_BREAKING' ? 'breaking' : ''}`}
         data-testid={c.kind === 'CHANGE_KIND_BREAKING' ? 'breaking-change' :
                      'change'}>
       <span class="chip">{enumWord(c.kind, 'CHANGE_KIND_')}</span>{' '}
       <code>{c.path}</code> {c.description}
       {c.breaks ? <span class="muted"> (breaks {c.breaks})</span> : null}
     </li>)}</ul>}
    {(r.impactedConsumers ?? []).length > 0 && <>
      <h3>Affected consumers</h3>
      <ul data-testid="impacted">{r.impactedConsumers!.map((c) => <li>
        {c.consumer} <span class="muted">via {c.via}</span></li>)}</ul></>}
  </section>;
}
