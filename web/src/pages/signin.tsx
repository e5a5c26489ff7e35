// Sign-in: an API token or a JWT, turned into a browser session by
// POST /auth/session (the server checks it as any call does). The page
// forgets the token at once; the session cookie is HttpOnly.
import {useState} from 'preact/hooks';
import {ApiError, Caller, signIn} from '../api';
import {ErrorBox} from '../ui';

export function SignIn(props: {params: URLSearchParams,
                               onSignedIn: (c: Caller) => void}) {
  const [value, setValue] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  document.title = 'Sign in · Meshplane';

  const submit = async (e: Event) => {
    e.preventDefault();
    const t = value.trim();
    if (!t) {
      setError(new Error('Paste an API token or a JWT first.'));
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const c = await signIn(t);
      setValue('');
      props.onSignedIn(c);
    } catch (err) {
      setValue('');
      setError(err instanceof ApiError && err.httpStatus === 401 ?
          new Error('Meshplane does not accept this token: it is unknown, ' +
                    'revoked or expired.') : err);
    } finally {
      setBusy(false);
    }
  };

  return <main id="main" class="signin">
    <h1>Sign in to Meshplane</h1>
    {props.params.get('expired') && <p class="notice" role="status"
        data-testid="expired">Your session has ended. Sign in again to go on.</p>}
    {props.params.get('signedout') && <p class="notice" role="status"
        data-testid="signed-out">You are signed out.</p>}
    <form onSubmit={submit}>
      <label for="token">API token or JWT</label>
      <input id="token" name="token" type="password" autocomplete="off"
             spellcheck={false} value={value} data-testid="token"
             onInput={(e) => setValue((e.target as HTMLInputElement).value)} />
      <p class="hint">Ask your platform team for a token, or create one with
        <code> meshplane token create</code>. It is sent once, to open a
        session, and not kept by this page.</p>
      <button type="submit" disabled={busy} data-testid="sign-in">
        {busy ? 'Signing in…' : 'Sign in'}</button>
    </form>
    {error !== undefined && <ErrorBox error={error} title="Not signed in." />}
  </main>;
}
