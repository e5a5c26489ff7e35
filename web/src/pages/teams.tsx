// Teams and their members, and the caller's API tokens.
import {Caller, Team, listAll} from '../api';
import {Empty, ErrorBox, Loading, shortName, useLoad, when} from '../ui';

interface Token {name: string, principal?: string, description?: string,
                 createTime?: string, expireTime?: string, revokeTime?: string,
                 lastUseTime?: string}

export function Teams(props: {caller: Caller}) {
  const [teams, error, loading] = useLoad(
      () => listAll<Team>('teams', 'teams'), []);
  const [tokens, tokError, tokLoading] = useLoad(
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
    {tokLoading && !tokens ? <Loading what="the tokens" /> :
     tokError ? <ErrorBox error={tokError} /> :
     tokens!.length === 0 ? <Empty>No token.</Empty> :
     <table><thead><tr><th scope="col">Token</th><th scope="col">Principal</th>
       <th scope="col">Description</th><th scope="col">Created</th>
       <th scope="col">Expires</th><th scope="col">Revoked</th></tr></thead>
      <tbody>{tokens!.map((t) => <tr><td><code>{shortName(t.name)}</code></td>
        <td>{t.principal}</td><td>{t.description}</td>
        <td>{when(t.createTime)}</td><td>{when(t.expireTime) || 'never'}</td>
        <td>{when(t.revokeTime)}</td></tr>)}</tbody></table>}
  </>;
}
