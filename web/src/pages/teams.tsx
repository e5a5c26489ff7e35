// Teams and their members, and the caller's API tokens: create one (its
// secret shown once, kept only in this component's state until the user
// closes it), revoke one after a confirmation. Anyone may create, list and
// revoke their own tokens (core::Identity); admins see everyone's.
import {useState} from 'preact/hooks';
import {Caller, Team, api, listAll, requestId, rn} from '../api';
import {Empty, ErrorBox, Loading, shortName, useLoad, when} from '../ui';

interface Token {name: string, principal?: string, description?: string,
                 createTime?: string, expireTime?: string, revokeTime?: string,
                 lastUseTime?: string}

const EXPIRY: [string, string][] = [['7', '7 days'], ['30', '30 days'],
                                    ['90', '90 days'], ['365', '1 year'],
                                    ['', 'never']];

export function Teams(props: {caller: Caller}) {
  const [teams, error, loading] = useLoad(
      () => listAll<Team>('teams', 'teams'), []);
  const [tokens, tokError, tokLoading, reload] = useLoad(
      () => listAll<Token>('tokens', 'tokens',
          props.caller.platformAdmin ? {} :
              {principal: props.caller.principal}), []);
  const mine = new Set(props.caller.teams ?? []);
  return <>
    <h1>Teams</h1>
    {loading && !teams ? <Loading what="the teams" /> :
     error ? <ErrorBox error={error} /> :
     teams!.length === 0 ? <Empty>No team yet.</Empty> :
     <ul class="cards">{teams!.map((t) => <li class="card" data-testid="team">
       <h2>{t.displayName || shortName(t.name)}
         {mine.has(t.name) ? <span class="chip">your team</span> : null}</h2>
       <p class="muted"><code>{t.name}</code></p>
       <p>{t.description}</p>
       <ul class="inline">{(t.members ?? []).map((m) => <li>{m}</li>)}</ul>
     </li>)}</ul>}
    <h2>API tokens</h2>
    <p class="muted">A token lets a script or the CLI call Meshplane as
      you ({props.caller.principal}).</p>
    <NewToken onCreated={reload} />
    {tokLoading && !tokens ? <Loading what="the tokens" /> :
     tokError ? <ErrorBox error={tokError} /> :
     tokens!.length === 0 ? <Empty>No token.</Empty> :
     <div class="table-wrap"><table data-testid="tokens"><thead><tr>
       <th scope="col">Token</th><th scope="col">Principal</th>
       <th scope="col">Description</th><th scope="col">Created</th>
       <th scope="col">Expires</th><th scope="col">Revoked</th>
       <th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
      <tbody>{tokens!.map((t) => <TokenRow token={t} onChange={reload} />)}
      </tbody></table></div>}
  </>;
}

function TokenRow(props: {token: Token, onChange: () => void}) {
  const t = props.token;
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const id = shortName(t.name);
  const revoke = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await api('POST', `${rn(t.name)}:revoke`,
                {body: {requestId: requestId()}});
      setConfirming(false);
      props.onChange();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return <tr data-testid="token" data-name={t.name}>
    <td><code>{id}</code></td>
    <td>{t.principal}</td><td>{t.description}</td>
    <td>{when(t.createTime)}</td><td>{when(t.expireTime) || 'never'}</td>
    <td data-testid="revoked">{when(t.revokeTime)}</td>
    <td>{t.revokeTime ? null : confirming ?
      <div role="group" aria-label={`Revoke token ${id}`}>
        <p>Revoke it? Whatever uses it stops working at once (a browser
          session signed in with it too).</p>
        <button type="button" class="danger" disabled={busy}
                data-testid="confirm-revoke" onClick={revoke}>Revoke</button>
        {' '}<button type="button" class="secondary"
                     onClick={() => setConfirming(false)}>Keep it</button>
      </div> :
      <button type="button" class="secondary" data-testid="revoke"
              aria-label={`Revoke token ${id}`}
              onClick={() => setConfirming(true)}>Revoke…</button>}
      {error !== undefined && <ErrorBox error={error} />}
    </td>
  </tr>;
}

function NewToken(props: {onCreated: () => void}) {
  const [open, setOpen] = useState(false);
  const [description, setDescription] = useState('');
  const [days, setDays] = useState('30');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  // The secret lives here only, until "Done": never in storage, a URL or
  // a log.
  const [secret, setSecret] = useState<{name: string, value: string}>();
  const [copied, setCopied] = useState('');

  if (secret) {
    return <div class="notice secret" role="status" data-testid="new-token">
      <p><strong>Token {shortName(secret.name)} created.</strong> Copy its
        secret now: it is shown only this once and cannot be recovered.</p>
      <label for="token-secret">Secret</label>
      <div class="copy-row">
        <input id="token-secret" type="text" readOnly value={secret.value}
               data-testid="token-secret" spellcheck={false}
               onFocus={(e) => (e.target as HTMLInputElement).select()} />
        <button type="button" data-testid="copy-secret" onClick={async () => {
          try {
            await navigator.clipboard.writeText(secret.value);
            setCopied('Copied to the clipboard.');
          } catch {
            (document.getElementById('token-secret') as HTMLInputElement)
                ?.select();
            setCopied('The browser did not allow copying: the secret is ' +
                      'selected, press Ctrl+C (or ⌘C).');
          }
        }}>Copy</button>
      </div>
      <p aria-live="polite" data-testid="copied">{copied}</p>
      <button type="button" class="secondary" data-testid="token-done"
              onClick={() => {
                setSecret(undefined);
                setCopied('');
              }}>Done: hide the secret</button>
    </div>;
  }
  if (!open) {
    return <p><button type="button" data-testid="create-token"
                      onClick={() => setOpen(true)}>Create a token…</button>
    </p>;
  }
  const create = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const r = await api<{token: Token, secret: string}>('POST', 'tokens', {
        body: {description: description.trim(), requestId: requestId(),
               ...(days ? {ttl: `${Number(days) * 86400}s`} : {})}});
      setSecret({name: r.token.name, value: r.secret});
      setOpen(false);
      setDescription('');
      props.onCreated();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return <form class="card token-form" data-testid="token-form"
               onSubmit={(e) => {
                 e.preventDefault();
                 create();
               }}>
    <h3>New API token</h3>
    <label for="token-description">What it is for</label>
    <input id="token-description" type="text" required maxLength={4096}
           value={description} data-testid="token-description"
           onInput={(e) => setDescription(
               (e.target as HTMLInputElement).value)} />
    <label for="token-expiry">Expires after</label>
    <select id="token-expiry" value={days} data-testid="token-expiry"
            onChange={(e) => setDays((e.target as HTMLSelectElement).value)}>
      {EXPIRY.map(([v, label]) => <option value={v}>{label}</option>)}
    </select>
    {error !== undefined && <ErrorBox error={error} />}
    <div class="actions">
      <button type="submit" disabled={busy || !description.trim()}
              data-testid="submit-token">Create token</button>
      <button type="button" class="secondary" onClick={() => setOpen(false)}>
        Cancel</button>
    </div>
  </form>;
}
