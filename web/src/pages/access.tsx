// Access: my requests, the approvals inbox of the ports I own, my grants.
import {useState} from 'preact/hooks';
import {AccessRequest, Caller, Grant, api, listAll, requestId, rn}
    from '../api';
import {navigate, productUrl} from '../router';
import {Empty, ErrorBox, Link, Loading, durationWords, enumWord, shortName,
        useLoad, when} from '../ui';
import {RequestAccessForm} from './product';

const TABS: [string, string][] = [['mine', 'My requests'],
                                  ['inbox', 'Approvals inbox'],
                                  ['grants', 'My grants']];

function productOf(port: string): string {
  return port.split('/').slice(0, 4).join('/');
}

export function Access(props: {caller: Caller, params: URLSearchParams}) {
  const tab = props.params.get('tab') ?? 'mine';
  return <>
    <h1>Access</h1>
    <div role="tablist" class="tabs" aria-label="Access">
      {TABS.map(([id, label]) => <button type="button" role="tab"
          id={`tab-${id}`} aria-selected={tab === id} data-testid={`tab-${id}`}
          aria-controls="tabpanel"
          onClick={() => navigate(`/access?tab=${id}`, true)}>{label}
      </button>)}
    </div>
    <div role="tabpanel" id="tabpanel" aria-labelledby={`tab-${tab}`}>
      {tab === 'inbox' ? <Inbox caller={props.caller} /> :
       tab === 'grants' ? <Grants caller={props.caller} /> :
       <MyRequests caller={props.caller} />}
    </div>
  </>;
}

function MyRequests(props: {caller: Caller}) {
  const [rows, error, loading, reload] = useLoad(
      () => listAll<AccessRequest>('accessRequests', 'accessRequests',
          {filter: `requester = "${props.caller.principal}"`}), []);
  if (loading && !rows) return <Loading what="your requests" />;
  if (error) return <ErrorBox error={error} />;
  if (rows!.length === 0) {
    return <Empty>You have asked for no access yet. Find a product in
      <Link href="/"> the catalog</Link> and use “Request access” on one of
      its output ports.</Empty>;
  }
  return <table data-testid="my-requests"><thead><tr>
    <th scope="col">Port</th><th scope="col">For</th>
    <th scope="col">Purpose</th><th scope="col">State</th>
    <th scope="col">Reviewer</th><th scope="col"></th></tr></thead>
    <tbody>{rows!.map((r) => <tr>
      <td><Link href={productUrl(productOf(r.outputPort))}>
        {shortName(productOf(r.outputPort))}/{shortName(r.outputPort)}</Link>
      </td>
      <td>{r.consumer}</td><td>{r.purpose}</td>
      <td data-testid="request-state">{enumWord(r.state,
          'ACCESS_REQUEST_STATE_')}</td>
      <td>{r.reviewer}{r.reviewComment ? `: ${r.reviewComment}` : ''}</td>
      <td>{r.state === 'ACCESS_REQUEST_STATE_PENDING' && <Withdraw
          request={r} onDone={reload} />}</td>
    </tr>)}</tbody></table>;
}

function Withdraw(props: {request: AccessRequest, onDone: () => void}) {
  const [error, setError] = useState<unknown>();
  return <>
    <button type="button" class="secondary" onClick={async () => {
      try {
        await api('POST', `${rn(props.request.name)}:withdraw`,
                  {body: {etag: props.request.etag, requestId: requestId()}});
        props.onDone();
      } catch (e) {
        setError(e);
      }
    }}>Withdraw</button>
    {error !== undefined && <ErrorBox error={error} />}
  </>;
}

function Inbox(props: {caller: Caller}) {
  const [rows, error, loading, reload] = useLoad(
      () => listAll<AccessRequest>('accessRequests', 'accessRequests',
          {filter: 'state = PENDING'}), []);
  if (loading && !rows) return <Loading what="the requests to review" />;
  if (error) return <ErrorBox error={error} />;
  const mine = rows!.filter((r) => r.requester !== props.caller.principal);
  if (mine.length === 0) {
    return <Empty>Nothing to review. Requests for the ports your teams own
      appear here when a policy needs an owner's approval.</Empty>;
  }
  return <ul class="inbox" data-testid="inbox">
    {mine.map((r) => <InboxItem request={r} onDone={reload} />)}</ul>;
}

function InboxItem(props: {request: AccessRequest, onDone: () => void}) {
  const r = props.request;
  const [days, setDays] = useState(String(
      Math.round(parseFloat(r.duration ?? '2592000') / 86400) || 30));
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const id = shortName(r.name);
  // Both writes go through validateOnly first, so that a policy's refusal
  // is shown before anything changes.
  const act = async (verb: 'approve'|'deny') => {
    setBusy(true);
    setError(undefined);
    const body: Record<string, unknown> = {etag: r.etag};
    if (verb === 'approve') {
      body.duration = `${Math.round(Number(days) * 86400)}s`;
      if (reason.trim()) body.comment = reason.trim();
    } else {
      body.comment = reason.trim();
    }
    try {
      await api('POST', `${rn(r.name)}:${verb}`,
                {body: {...body, validateOnly: true}});
      await api('POST', `${rn(r.name)}:${verb}`,
                {body: {...body, requestId: requestId()}});
      props.onDone();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return <li class="card" data-testid="inbox-item">
    <p><strong>{r.requester}</strong> asks for <strong>{r.consumer}</strong>
      {' '}to read <Link href={productUrl(productOf(r.outputPort))}>
        {shortName(productOf(r.outputPort))}/{shortName(r.outputPort)}</Link>
      {' '}for {durationWords(r.duration)}.</p>
    <p class="purpose">Purpose: {r.purpose}</p>
    <p class="muted">Asked {when(r.createTime)}</p>
    <div class="review">
      <label for={`days-${id}`}>Grant for (days)</label>
      <input id={`days-${id}`} type="number" min="1" max="365" value={days}
             data-testid="approve-days"
             onInput={(e) => setDays((e.target as HTMLInputElement).value)} />
      <label for={`reason-${id}`}>Comment (a reason is needed to deny)</label>
      <input id={`reason-${id}`} type="text" value={reason}
             data-testid="review-comment"
             onInput={(e) => setReason((e.target as HTMLInputElement).value)} />
      <div class="actions">
        <button type="button" disabled={busy} data-testid="approve"
                onClick={() => act('approve')}>Approve</button>
        <button type="button" class="danger" disabled={busy || !reason.trim()}
                data-testid="deny" onClick={() => act('deny')}>Deny</button>
      </div>
    </div>
    {error !== undefined && <ErrorBox error={error} />}
  </li>;
}

function Grants(props: {caller: Caller}) {
  const [rows, error, loading] = useLoad(
      () => listAll<Grant>('grants', 'grants',
          {filter: `principal = "${props.caller.principal}"`}), []);
  const [renewing, setRenewing] = useState<Grant>();
  if (loading && !rows) return <Loading what="your grants" />;
  if (error) return <ErrorBox error={error} />;
  if (rows!.length === 0) {
    return <Empty>You hold no grant. Ask for access from a product's page.
    </Empty>;
  }
  return <>
    <table data-testid="grants"><thead><tr><th scope="col">Port</th>
      <th scope="col">Holder</th><th scope="col">Purpose</th>
      <th scope="col">State</th><th scope="col">Expires</th>
      <th scope="col"></th></tr></thead>
      <tbody>{rows!.map((g) => <tr data-testid="grant">
        <td><Link href={productUrl(productOf(g.outputPort))}>
          {shortName(productOf(g.outputPort))}/{shortName(g.outputPort)}</Link>
        </td>
        <td>{g.consumer}</td><td>{g.purpose}</td>
        <td>{enumWord(g.state, 'GRANT_STATE_')}</td>
        <td>{when(g.expireTime)}</td>
        <td><button type="button" class="secondary"
                    onClick={() => setRenewing(g)}>Renew</button></td>
      </tr>)}</tbody></table>
    {renewing && <RequestAccessForm caller={props.caller}
        purpose={renewing.purpose}
        port={{id: shortName(renewing.outputPort), name: renewing.outputPort}}
        onDone={() => setRenewing(undefined)} />}
  </>;
}
