// The web catalog: sign-in, then the pages of a data mesh, all over the
// REST API. Every user-supplied string is rendered as text (Preact sets
// text nodes and attributes; this app never sets innerHTML).
import './app.css';
import {render} from 'preact';
import {useEffect, useState} from 'preact/hooks';
import {Caller, onSignedOut, resume, signOut, signedIn} from './api';
import {navigate, useLocation} from './router';
import {Link, Loading} from './ui';
import {SignIn} from './pages/signin';
import {Search} from './pages/search';
import {Domains} from './pages/domains';
import {Product} from './pages/product';
import {Lineage} from './pages/lineage';
import {Access} from './pages/access';
import {Governance} from './pages/governance';
import {Teams} from './pages/teams';
import {Contract} from './pages/contract';
import {EditProduct} from './pages/edit';

let caller: Caller|undefined;

function App() {
  const loc = useLocation();
  const [, setTick] = useState(0);
  // A reload or a new tab: the session cookie, if any, signs in at once.
  const [resuming, setResuming] = useState(true);
  useEffect(() => {
    resume().then((c) => {
      caller = c;
      setResuming(false);
    });
  }, []);
  useEffect(() => {
    onSignedOut(() => {
      caller = undefined;
      // Several calls in flight may each get the 401: only the first one
      // leaves the page, so that `next` is the page the user was on.
      if (location.pathname !== '/signin') {
        const here = location.pathname + location.search;
        navigate(`/signin?expired=1&next=${encodeURIComponent(here)}`, true);
      }
      setTick((t) => t + 1);
    });
  }, []);

  if (resuming) return <main id="main"><Loading what="your session" /></main>;
  if (!signedIn() || !caller || loc.path === '/signin') {
    if (signedIn() && caller && loc.path === '/signin') {
      navigate('/', true);
    }
    return <SignIn params={loc.params} onSignedIn={(c) => {
      caller = c;
      // Back to the page asked for: the one in the address bar, or the one
      // the session ended on.
      const next = loc.path === '/signin' ? loc.params.get('next') ?? '/' :
          loc.path + location.search;
      navigate(next.startsWith('/') && !next.startsWith('//') ? next : '/',
               true);
    }} />;
  }

  const parts = loc.path.split('/').filter(Boolean).map(decodeURIComponent);
  let page;
  let title = 'Search';
  if (parts.length === 0 || parts[0] === 'search') {
    page = <Search params={loc.params} />;
  } else if (parts[0] === 'domains') {
    page = <Domains />;
    title = 'Domains';
  } else if (parts[0] === 'products' && parts.length === 2 &&
             parts[1] === 'new') {
    page = <EditProduct caller={caller} params={loc.params} />;
    title = 'New data product';
  } else if (parts[0] === 'products' && parts.length === 4 &&
             parts[3] === 'edit') {
    page = <EditProduct name={`domains/${parts[1]}/dataProducts/${parts[2]}`}
                        caller={caller} params={loc.params} />;
    title = `Edit ${parts[2]}`;
  } else if (parts[0] === 'products' && parts.length === 3) {
    page = <Product name={`domains/${parts[1]}/dataProducts/${parts[2]}`}
                    caller={caller} />;
    title = parts[2];
  } else if (parts[0] === 'lineage' && parts.length === 3) {
    page = <Lineage name={`domains/${parts[1]}/dataProducts/${parts[2]}`}
                    params={loc.params} />;
    title = `Lineage of ${parts[2]}`;
  } else if (parts[0] === 'access') {
    page = <Access caller={caller} params={loc.params} />;
    title = 'Access';
  } else if (parts[0] === 'governance') {
    page = <Governance params={loc.params} />;
    title = 'Governance';
  } else if (parts[0] === 'teams') {
    page = <Teams caller={caller} />;
    title = 'Teams and tokens';
  } else if (parts[0] === 'contracts' && parts.length === 2) {
    page = <Contract id={parts[1]} params={loc.params} />;
    title = `Contract ${parts[1]}`;
  } else {
    page = <p>There is no page at this address. <Link href="/">Search the
      catalog</Link>.</p>;
    title = 'Not found';
  }
  document.title = `${title} · Meshplane`;

  const nav = [['/', 'Search'], ['/domains', 'Domains'], ['/access', 'Access'],
               ['/governance', 'Governance'], ['/teams', 'Teams']];
  const active = (href: string) => href === '/' ?
      (parts.length === 0 || parts[0] === 'search') :
      loc.path.startsWith(href);
  return <>
    <a class="skip" href="#main">Skip to content</a>
    <header class="top">
      <Link href="/" class="brand">Meshplane</Link>
      <nav aria-label="Main">
        <ul>{nav.map(([href, label]) => <li>
          <Link href={href} class={active(href) ? 'active' : ''}>{label}</Link>
        </li>)}</ul>
      </nav>
      <div class="who">
        <span data-testid="principal">{caller.principal}</span>
        <button type="button" class="link" data-testid="sign-out"
                onClick={async () => {
                  await signOut();
                  caller = undefined;
                  navigate('/signin?signedout=1');
                }}>Sign out</button>
      </div>
    </header>
    <main id="main" tabIndex={-1}>{page}</main>
  </>;
}

render(<App />, document.getElementById('app')!);
