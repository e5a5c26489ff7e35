// A data product: what it is, who owns it, its ports with their contracts
// and service levels, who consumes it, and what happened to it lately.
import {useState} from 'preact/hooks';
import {AccessRequest, Caller, DataProduct, Grant, OutputPort, Team, api,
        listAll, requestId, rn} from '../api';
import {lineageUrl, productUrl} from '../router';
import {Empty, ErrorBox, Link, Loading, durationWords, enumWord, shortName,
        useLoad, when} from '../ui';

interface Slo {
  outputPort: string;
  objectives?: {objective?: string, target?: string, breached?: boolean,
                windows?: {window?: string, observations?: string,
                           compliancePercent?: number, met?: boolean}[]}[];
}
interface Breach {name: string, outputPort?: string, objective?: string,
                  startTime?: string, endTime?: string, detail?: string}
interface Audit {sequence: string, time?: string, principal?: string,
                 method?: string, resource?: string, outcomeCode?: number}

async function load(name: string) {
  const product = await api<DataProduct>('GET', rn(name));
  const soft = <T,>(p: Promise<T>, dflt: T) => p.catch(() => dflt);
  const [team, slos, breaches, grants, events] = await Promise.all([
    product.ownerTeam ?
        soft(api<Team>('GET', rn(product.ownerTeam)), undefined) :
        Promise.resolve(undefined),
    Promise.all((product.outputPorts ?? []).map((o) => soft(
        api<Slo>('GET', `${rn(o.name)}:getServiceLevelStatus`),
        {outputPort: o.name} as Slo))),
    soft(api<{breaches?: Breach[]}>('GET', `${rn(name)}/breaches`), {}),
    soft(listAll<Grant>('grants', 'grants',
                        {filter: `data_product = "${name}" AND state = ACTIVE`}),
         [] as Grant[]),
    soft(api<{auditRecords?: Audit[]}>('GET', 'auditRecords',
         {query: {filter: `resource = "${name}"`, pageSize: 10}}), {}),
  ]);
  return {product, team, slos, breaches: breaches.breaches ?? [], grants,
          events: events.auditRecords ?? []};
}

export function Product(props: {name: string, caller: Caller}) {
  const [data, error, loading, reload] = useLoad(() => load(props.name),
                                                 [props.name]);
  if (loading && !data) return <Loading what="the data product" />;
  if (error) return <ErrorBox error={error} />;
  const {product: p, team, slos, breaches, grants, events} = data!;
  const consumers = p.inputPorts ?? [];
  return <article class="product">
    <p class="crumbs"><Link href="/">Search</Link> ›{' '}
      <Link href={`/search?domain=${encodeURIComponent(
          shortName(p.name.split('/').slice(0, 2).join('/')))}`}>
        {p.name.split('/')[1]}</Link></p>
    <h1 data-testid="product-title">{p.displayName || shortName(p.name)}</h1>
    <p class="muted"><code>{p.name}</code></p>
    <p class="description" data-testid="description">{p.description}</p>
    <dl class="facts">
      <dt>Lifecycle</dt><dd data-testid="lifecycle">{enumWord(p.lifecycle,
          'LIFECYCLE_')}{p.sunsetTime ? `, retired from ${
              when(p.sunsetTime)}` : ''}</dd>
      <dt>Tier</dt><dd>{p.tier || 'not set'}</dd>
      <dt>Classification</dt><dd>{enumWord(p.classification,
          'CLASSIFICATION_') || 'not set'}</dd>
      <dt>Tags</dt><dd>{(p.tags ?? []).length ? (p.tags ?? []).map(
          (t) => <span class="chip tag">#{t}</span>) : 'none'}</dd>
      <dt>Owner team</dt><dd>{p.ownerTeam ? <>
        <strong>{team?.displayName || shortName(p.ownerTeam)}</strong>
        {team?.members?.length ? <ul class="inline">{team.members.map(
            (m) => <li>{m}</li>)}</ul> : null}</> : 'none'}</dd>
    </dl>
    <p><Link href={lineageUrl(p.name)} testid="lineage-link">Show lineage
      </Link>
      {owns(props.caller, p) ? <>{' · '}<Link href={`${productUrl(p.name)}/edit`}
          testid="edit-product">Edit the descriptor</Link></> : null}</p>
    {owns(props.caller, p) && <Lifecycle product={p} onChange={reload} />}

    <h2>Output ports</h2>
    {(p.outputPorts ?? []).length === 0 && <Empty>This product serves
      nothing yet: its owners add output ports to its descriptor.</Empty>}
    {(p.outputPorts ?? []).map((o, i) => <OutputPortView port={o}
        slo={slos[i]} caller={props.caller} onChange={reload}
        breaches={breaches.filter((b) => b.outputPort === o.name)} />)}

    <h2>Input ports</h2>
    {consumers.length === 0 ? <p class="muted">Reads no other product.</p> :
     <table><thead><tr><th scope="col">Port</th><th scope="col">Reads</th>
       <th scope="col">Description</th></tr></thead>
      <tbody>{consumers.map((ip) => <tr>
        <td>{ip.id}</td>
        <td><Link href={productUrl(ip.source)}>{ip.source}</Link></td>
        <td>{ip.description}</td></tr>)}</tbody></table>}

    <h2>Consumers</h2>
    {grants.length === 0 ? <p class="muted">No active grant on its ports.</p> :
     <table data-testid="consumers"><thead><tr><th scope="col">Consumer</th>
       <th scope="col">Port</th><th scope="col">Purpose</th>
       <th scope="col">Expires</th></tr></thead>
      <tbody>{grants.map((g) => <tr><td>{g.consumer}</td>
        <td>{shortName(g.outputPort)}</td><td>{g.purpose}</td>
        <td>{when(g.expireTime)}</td></tr>)}</tbody></table>}

    <h2>Recent events</h2>
    {events.length === 0 ? <p class="muted">No event recorded, or none you
      may read.</p> :
     <table><thead><tr><th scope="col">When</th><th scope="col">Who</th>
       <th scope="col">What</th></tr></thead>
      <tbody>{events.map((e) => <tr><td>{when(e.time)}</td>
        <td>{e.principal}</td><td>{shortName(e.method)}</td></tr>)}</tbody>
     </table>}
  </article>;
}

// Whether the caller may change the product: its owner team's members and
// platform admins (the server decides; this only hides what would fail).
function owns(caller: Caller, p: DataProduct): boolean {
  return !!caller.platformAdmin ||
      (caller.teams ?? []).includes(p.ownerTeam ?? '');
}

// The lifecycle's next steps (draft -> published -> deprecated -> retired),
// each sent with validateOnly first: the policies' refusal or warnings show
// before the owner confirms.
function Lifecycle(props: {product: DataProduct, onChange: () => void}) {
  const p = props.product;
  const [verb, setVerb] = useState<string>();
  const [sunset, setSunset] = useState('');
  const [preview, setPreview] = useState<DataProduct>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const verbs = p.lifecycle === 'LIFECYCLE_PUBLISHED' ?
      ['deprecate'] : p.lifecycle === 'LIFECYCLE_DEPRECATED' ? ['retire'] :
      p.lifecycle === 'LIFECYCLE_RETIRED' ? [] : ['publish'];
  if (verbs.length === 0) return null;
  const body = (v: string) => {
    const b: Record<string, unknown> = {etag: p.etag};
    if (v === 'deprecate' && sunset) {
      b.sunsetTime = new Date(`${sunset}T00:00:00Z`).toISOString();
    }
    return b;
  };
  const send = async (v: string, validateOnly: boolean) => {
    setBusy(true);
    setError(undefined);
    try {
      const r = await api<DataProduct>('POST', `${rn(p.name)}:${v}`, {
        body: {...body(v), ...(validateOnly ? {validateOnly: true} :
                                {requestId: requestId()})}});
      if (validateOnly) {
        setPreview(r);
      } else {
        setVerb(undefined);
        setPreview(undefined);
        props.onChange();
      }
    } catch (e) {
      setPreview(undefined);
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const words: Record<string, string> = {publish: 'Publish',
                                         deprecate: 'Deprecate',
                                         retire: 'Retire'};
  return <section class="lifecycle" aria-label="Lifecycle"
                  data-testid="lifecycle-actions">
    {verb === undefined ? verbs.map((v) => <button type="button"
        class={v === 'publish' ? '' : 'secondary'} data-testid={v}
        onClick={() => {
          setVerb(v);
          send(v, true);
        }}>{words[v]}…</button>) :
     <div class="card">
       <h2>{words[verb]} {p.displayName || shortName(p.name)}</h2>
       {verb === 'deprecate' && <>
         <label for="sunset">Sunset date (when it will be retired; optional)
         </label>
         <input id="sunset" type="date" value={sunset} data-testid="sunset"
                onInput={(e) => {
                  setSunset((e.target as HTMLInputElement).value);
                  setPreview(undefined);
                }} /></>}
       {busy && !preview && !error ? <Loading what="the policies' answer" /> :
        null}
       {preview && <div class="notice" role="status"
                        data-testid="lifecycle-preview">
         <p>The policies allow this: the product will be {enumWord(
             preview.lifecycle, 'LIFECYCLE_')}.</p>
         {(preview.warnings ?? []).length > 0 && <ul data-testid="warnings">
           {preview.warnings!.map((w) => <li><span class="effect effect-warn">
             WARN</span> {w.source ? <code>{w.source}</code> : null}
             {w.message ? <>: {w.message}</> : null}</li>)}</ul>}</div>}
       {error !== undefined && <ErrorBox error={error} />}
       <div class="actions">
         {preview ? <button type="button" disabled={busy}
             data-testid="confirm-lifecycle"
             onClick={() => send(verb, false)}>{words[verb]}</button> :
          <button type="button" disabled={busy} data-testid="check-lifecycle"
                  onClick={() => send(verb, true)}>Check with the policies
          </button>}
         <button type="button" class="secondary" onClick={() => {
           setVerb(undefined);
           setPreview(undefined);
           setError(undefined);
         }}>Cancel</button>
       </div>
     </div>}
  </section>;
}

function OutputPortView(props: {port: OutputPort, slo: Slo, caller: Caller,
                                breaches: Breach[], onChange: () => void}) {
  const o = props.port;
  const [asking, setAsking] = useState(false);
  return <section class="port" data-testid="output-port"
                  aria-labelledby={`port-${o.id}`}>
    <h3 id={`port-${o.id}`}>{o.displayName || o.id}
      {o.type ? <span class="chip">{o.type}</span> : null}</h3>
    <p>{o.description}</p>
    <dl class="facts">
      <dt>Server</dt><dd><code>{o.server || 'not set'}</code></dd>
      <dt>Location</dt><dd><code>{o.location || 'not set'}</code></dd>
      <dt>Contract</dt><dd data-testid="contract">{o.contract ?
          <Link href={`/contracts/${encodeURIComponent(o.contract)}`}>
            {o.contract}</Link> : 'none promised'}</dd>
    </dl>
    <h4>Service level</h4>
    {(props.slo.objectives ?? []).length === 0 ?
     <p class="muted" data-testid="slo">No objective, or no observation yet.
     </p> :
     <table data-testid="slo"><thead><tr><th scope="col">Objective</th>
       <th scope="col">Target</th><th scope="col">Compliance per window</th>
       <th scope="col">Status</th></tr></thead>
      <tbody>{props.slo.objectives!.map((ob) => <tr>
        <td>{enumWord(ob.objective, 'OBJECTIVE_')}</td><td>{ob.target}</td>
        <td>{(ob.windows ?? []).map((w) => <span class="chip">
          {durationWords(w.window)}: {w.observations && w.observations !== '0' ?
            `${(w.compliancePercent ?? 0).toFixed(2)} %` : 'no data'}
        </span>)}</td>
        {ob.breached ? <td class="bad">breached</td> :
         (ob.windows ?? []).some((w) => w.observations &&
                                        w.observations !== '0') ?
         <td class="good">met</td> : <td class="muted">no data yet</td>}
        </tr>)}</tbody></table>}
    {props.breaches.length > 0 && <>
      <h4>Breaches</h4>
      <ul data-testid="breaches">{props.breaches.map((b) => <li>
        {enumWord(b.objective, 'OBJECTIVE_')} from {when(b.startTime)}
        {b.endTime ? ` to ${when(b.endTime)}` : ' (open)'}: {b.detail}</li>)}
      </ul></>}
    {asking ? <RequestAccessForm port={o} caller={props.caller}
                                 onDone={() => setAsking(false)} /> :
     <button type="button" data-testid="request-access"
             onClick={() => setAsking(true)}>Request access</button>}
  </section>;
}

// Ask for access: the request is first sent with validateOnly, so that the
// policies' answer (refusal, approval needed, warnings) is shown before
// anything is filed.
export function RequestAccessForm(props: {port: OutputPort, caller: Caller,
                                          onDone: () => void,
                                          purpose?: string}) {
  const [consumer, setConsumer] = useState(props.caller.principal);
  const [purpose, setPurpose] = useState(props.purpose ?? '');
  const [days, setDays] = useState('30');
  const [error, setError] = useState<unknown>();
  const [preview, setPreview] = useState<AccessRequest>();
  const [filed, setFiled] = useState<AccessRequest>();
  const [busy, setBusy] = useState(false);
  const body = () => ({outputPort: props.port.name, consumer,
                       purpose: purpose.trim(),
                       duration: `${Math.round(Number(days) * 86400)}s`});
  const send = async (validateOnly: boolean) => {
    setBusy(true);
    setError(undefined);
    try {
      const r = await api<AccessRequest>('POST', 'accessRequests',
          {query: {validateOnly, requestId: validateOnly ? undefined :
                   requestId()}, body: body()});
      if (validateOnly) setPreview(r);
      else setFiled(r);
    } catch (e) {
      setPreview(undefined);
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const id = props.port.id;
  if (filed) {
    return <div class="notice" role="status" data-testid="access-filed">
      {filed.state === 'ACCESS_REQUEST_STATE_APPROVED' ?
        'Access granted.' : filed.state === 'ACCESS_REQUEST_STATE_PENDING' ?
        'Request sent: the owners of this port will review it.' :
        `Request ${enumWord(filed.state, 'ACCESS_REQUEST_STATE_')}.`}{' '}
      <Link href="/access">See your requests</Link>{' '}
      <button type="button" class="link" onClick={props.onDone}>Close</button>
    </div>;
  }
  return <form class="access-form" data-testid="access-form"
               onSubmit={(e) => {
                 e.preventDefault();
                 send(!preview);
               }}>
    <h4>Request access to {props.port.id}</h4>
    <label for={`consumer-${id}`}>For</label>
    <select id={`consumer-${id}`} value={consumer}
            onChange={(e) => {
              setConsumer((e.target as HTMLSelectElement).value);
              setPreview(undefined);
            }}>
      <option value={props.caller.principal}>me ({props.caller.principal})
      </option>
      {(props.caller.teams ?? []).map((t) => <option
          value={`team:${shortName(t)}`}>team {shortName(t)}</option>)}
    </select>
    <label for={`purpose-${id}`}>Purpose</label>
    <textarea id={`purpose-${id}`} required value={purpose} rows={2}
              data-testid="purpose"
              onInput={(e) => {
                setPurpose((e.target as HTMLTextAreaElement).value);
                setPreview(undefined);
              }} />
    <label for={`days-${id}`}>Duration (days)</label>
    <input id={`days-${id}`} type="number" min="1" max="365" value={days}
           data-testid="days"
           onInput={(e) => {
             setDays((e.target as HTMLInputElement).value);
             setPreview(undefined);
           }} />
    {preview && <div class="notice" role="status" data-testid="preview">
      {preview.state === 'ACCESS_REQUEST_STATE_PENDING' ?
        'The policies need the owners to approve this request.' :
        preview.state === 'ACCESS_REQUEST_STATE_APPROVED' ?
        'The policies allow this request: access is granted when you send it.' :
        `The policies' answer: ${enumWord(preview.state,
            'ACCESS_REQUEST_STATE_')}.`}
      {(preview.decision?.violations ?? []).length > 0 && <ul>
        {preview.decision!.violations!.map((v) => <li>
          <span class="effect">{v.effect}</span> <code>{v.policy}</code>
          {v.message ? <>: {v.message}</> : null}</li>)}</ul>}
    </div>}
    {error !== undefined && <ErrorBox error={error} />}
    <div class="actions">
      <button type="submit" disabled={busy || !purpose.trim()}
              data-testid={preview ? 'send-request' : 'check-request'}>
        {preview ? 'Send request' : 'Check with the policies'}</button>
      <button type="button" class="secondary" onClick={props.onDone}>Cancel
      </button>
    </div>
  </form>;
}
