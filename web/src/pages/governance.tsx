// Governance: the policies as code, with their triggers, effect and mode,
// and the decision log.
import {useState} from 'preact/hooks';
import {api, apiStream, listAll, rn} from '../api';
import {navigate} from '../router';
import {Empty, ErrorBox, Link, Loading, enumWord, useLoad, when}
    from '../ui';
import {productUrl} from '../router';

interface Policy {name: string, scope?: string, displayName?: string,
                  description?: string, triggers?: string[],
                  condition?: string, effect?: string, enforcement?: string,
                  message?: string}
interface Audit {sequence: string, time?: string, principal?: string,
                 method?: string, resource?: string, outcomeCode?: number,
                 outcomeMessage?: string, decision?: any}

export function Governance(props: {params: URLSearchParams}) {
  const principal = props.params.get('principal') ?? '';
  const resource = props.params.get('resource') ?? '';
  const [policies, error, loading] = useLoad(async () => [
    ...await listAll<Policy>('policies', 'policies'),
    ...await listAll<Policy>('domains/-/policies', 'policies'),
  ], []);
  const [log, logError, logLoading] = useLoad(() => {
    const terms = [];
    if (principal) terms.push(`principal = ${JSON.stringify(principal)}`);
    if (resource) terms.push(`resource = ${JSON.stringify(resource)}`);
    return api<{auditRecords?: Audit[]}>('GET', 'auditRecords',
        {query: {pageSize: 50, filter: terms.join(' AND ')}});
  }, [principal, resource]);
  const set = (k: string, v: string) => {
    const p = new URLSearchParams(props.params);
    if (v) p.set(k, v);
    else p.delete(k);
    navigate(`/governance?${p}`, true);
  };
  return <>
    <h1>Governance</h1>
    <h2>Policies</h2>
    {loading && !policies ? <Loading what="the policies" /> :
     error ? <ErrorBox error={error} /> :
     policies!.length === 0 ? <Empty>No policy: every write that passes
       validation is allowed. Add one with <code>meshplane policy apply</code>.
     </Empty> :
     <ul class="cards" data-testid="policies">{policies!.map((p) => <li
         class="card" data-testid="policy">
       <h3>{p.displayName || p.name}</h3>
       <p class="muted"><code>{p.name}</code> · {p.scope || 'global'}</p>
       <p class="chips">
         <span class={`chip effect-${enumWord(p.effect, 'POLICY_EFFECT_')}`}>
           {enumWord(p.effect, 'POLICY_EFFECT_')}</span>
         <span class="chip">{enumWord(p.enforcement,
             'POLICY_ENFORCEMENT_')}</span>
         {(p.triggers ?? []).map((t) => <span class="chip">{t}</span>)}
       </p>
       <p>{p.description}</p>
       <pre class="code"><code>{p.condition}</code></pre>
       {p.message && <p>Message: {p.message}</p>}
       <Compliance policy={p} />
     </li>)}</ul>}
    <h2>Decision log</h2>
    <form class="inline-form" onSubmit={(e) => e.preventDefault()}>
      <label for="f-principal">Principal</label>
      <input id="f-principal" value={principal} placeholder="user:…"
             onChange={(e) => set('principal',
                 (e.target as HTMLInputElement).value.trim())} />
      <label for="f-resource">Resource</label>
      <input id="f-resource" value={resource} placeholder="domains/…"
             onChange={(e) => set('resource',
                 (e.target as HTMLInputElement).value.trim())} />
    </form>
    {logLoading && !log ? <Loading what="the decision log" /> :
     logError ? <ErrorBox error={logError} /> :
     (log!.auditRecords ?? []).length === 0 ? <Empty>No record matches.
     </Empty> :
     <table data-testid="decision-log"><thead><tr><th scope="col">When</th>
       <th scope="col">Who</th><th scope="col">Call</th>
       <th scope="col">Resource</th><th scope="col">Outcome</th></tr></thead>
      <tbody>{log!.auditRecords!.map((r) => <tr><td>{when(r.time)}</td>
        <td>{r.principal}</td><td>{(r.method ?? '').split('/').pop()}</td>
        <td><code>{r.resource}</code></td>
        <td>{r.outcomeCode ? r.outcomeMessage || `code ${r.outcomeCode}` :
             r.decision?.outcome ? enumWord(r.decision.outcome,
                 'DECISION_OUTCOME_') : 'ok'}</td></tr>)}</tbody></table>}
  </>;
}

interface SimulationMessage {
  result?: {resource?: string, trigger?: string, violated?: boolean,
            waiver?: string, error?: string};
  summary?: {evaluated?: string, violated?: string, waived?: string,
             errors?: string, truncated?: boolean};
}

// Compliance: the policy run over every existing resource of its triggers
// (SimulatePolicy), nothing written but the decision log.
function Compliance(props: {policy: Policy}) {
  const [state, setState] = useState<{busy?: boolean, error?: unknown,
                                      messages?: SimulationMessage[]}>({});
  const run = async () => {
    setState({busy: true});
    try {
      setState({messages: await apiStream<SimulationMessage>(
          'POST', `${rn(props.policy.name)}:simulate`, {})});
    } catch (e) {
      setState({error: e});
    }
  };
  const summary = state.messages?.find((m) => m.summary)?.summary;
  const violated = (state.messages ?? []).filter((m) => m.result?.violated);
  return <div class="compliance">
    <button type="button" class="secondary" disabled={state.busy}
            data-testid="simulate" onClick={run}>
      {state.busy ? 'Checking…' : 'Check compliance'}</button>
    {state.error !== undefined && <ErrorBox error={state.error} />}
    {summary && <p data-testid="compliance" role="status">
      {summary.violated ?? '0'} of {summary.evaluated ?? '0'} resources do not
      comply{summary.waived && summary.waived !== '0' ?
          `, ${summary.waived} waived` : ''}{summary.errors &&
          summary.errors !== '0' ? `, ${summary.errors} errors` : ''}
      {summary.truncated ? ' (stopped early: too many resources)' : ''}.</p>}
    {violated.length > 0 && <ul data-testid="noncompliant">
      {violated.map((m) => {
        const r = m.result!.resource ?? '';
        return <li>{r.includes('/dataProducts/') ?
          <Link href={productUrl(r)}>{r}</Link> : <code>{r}</code>}
          {m.result!.error ? ` (error: ${m.result!.error})` : ''}</li>;
      })}</ul>}
  </div>;
}
