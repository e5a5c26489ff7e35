// Search and browse: the server's full-text search (SearchDataProducts),
// narrowed by facets whose counts the server computes over the whole
// catalog; every choice is in the URL, so that a search can be shared.
import {useEffect, useRef, useState} from 'preact/hooks';
import {Query} from '../api';
import {SearchResult, searchProducts} from '../catalog';
import {navigate, productUrl} from '../router';
import {Empty, ErrorBox, Link, Loading, enumWord, shortName} from '../ui';

const PAGE = 20;
// Typing waits this long for the next key before it asks the server.
const DEBOUNCE_MS = 120;
const FACETS = ['domain', 'team', 'lifecycle', 'tier', 'classification', 'tag'];

// URL parameter -> the API's facet field, and a facet value between the
// URL's short form (`sales`, `draft`) and the API's (`domains/sales`,
// `LIFECYCLE_DRAFT`).
const FIELD: Record<string, string> = {
  domain: 'domain', team: 'owner_team', lifecycle: 'lifecycle', tier: 'tier',
  classification: 'classification', tag: 'tag'};

function toUrlValue(facet: string, v: string): string {
  switch (facet) {
    case 'domain': case 'team': return shortName(v);
    case 'lifecycle': return enumWord(v, 'LIFECYCLE_');
    case 'classification': return enumWord(v, 'CLASSIFICATION_');
  }
  return v;
}

function apiQuery(params: URLSearchParams): Query {
  const get = (k: string) => params.get(k) ?? '';
  const up = (v: string) => v.toUpperCase().replace(/ /g, '_');
  const page = Math.max(1, parseInt(get('page') || '1', 10) || 1);
  return {
    query: get('q'),
    domain: get('domain') && `domains/${get('domain')}`,
    ownerTeam: get('team') && `teams/${get('team')}`,
    lifecycle: get('lifecycle') && `LIFECYCLE_${up(get('lifecycle'))}`,
    tier: get('tier'),
    classification: get('classification') &&
        `CLASSIFICATION_${up(get('classification'))}`,
    tag: get('tag'),
    pageSize: PAGE,
    skip: (page - 1) * PAGE || undefined,
    facetSize: 20,
  };
}

// The search of `params`, debounced while they change; an answer that
// arrives after a newer search was sent is dropped.
function useSearch(params: URLSearchParams):
    [SearchResult|undefined, unknown, () => void] {
  const [state, setState] = useState<{r?: SearchResult, e?: unknown}>({});
  const [tick, setTick] = useState(0);
  const seq = useRef(0);
  const key = params.toString();
  useEffect(() => {
    const mine = ++seq.current;
    const run = () => searchProducts(apiQuery(params)).then(
        (r) => mine === seq.current && setState({r}),
        (e) => mine === seq.current && setState((s) => ({r: s.r, e})));
    // The first search goes at once; later ones wait for typing to pause.
    const timer = setTimeout(run, state.r || state.e ? DEBOUNCE_MS : 0);
    return () => clearTimeout(timer);
  }, [key, tick]);
  return [state.r, state.e, () => setTick((t) => t + 1)];
}

export function Search(props: {params: URLSearchParams}) {
  const params = props.params;
  const [result, error, retry] = useSearch(params);
  const input = useRef<HTMLInputElement>(null);
  const q = params.get('q') ?? '';
  const page = Math.max(1, parseInt(params.get('page') ?? '1', 10) || 1);

  useEffect(() => {
    input.current?.focus();
  }, []);

  const set = (changes: Record<string, string|null>, replace = false) => {
    const p = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) {
      if (v === null || v === '') p.delete(k);
      else p.set(k, v);
    }
    if (!('page' in changes)) p.delete('page');
    const qs = p.toString();
    navigate(`/search${qs ? '?' + qs : ''}`, replace);
  };

  const header = <div class="search-head">
    <h1>Data products</h1>
    <label for="q" class="visually-hidden">Search data products</label>
    <input id="q" ref={input} type="search" value={q} data-testid="search"
           placeholder="Search by name, description, tag, port…"
           onInput={(e) => set({q: (e.target as HTMLInputElement).value}, true)}
    />
  </div>;

  if (error && !result) return <>{header}<ErrorBox error={error} />
    <button type="button" onClick={retry}>Try again</button></>;
  if (!result) return <>{header}<Loading what="the catalog" /></>;

  const hits = result.dataProducts ?? [];
  const total = Number(result.totalSize ?? 0);
  const pages = Math.max(1, Math.ceil(total / PAGE));
  const filtered = q !== '' || FACETS.some((f) => params.get(f));
  const chosen = (f: string) => params.get(f);
  const counts = (f: string): [string, number][] => {
    const facet = (result.facets ?? []).find((x) => x.field === FIELD[f]);
    return (facet?.values ?? []).map(
        (v) => [toUrlValue(f, v.value), Number(v.count ?? 0)]);
  };

  return <>
    {header}
    {error ? <ErrorBox error={error} /> : null}
    <div class="search">
      <aside class="facets" aria-label="Filters">
        {FACETS.map((f) => {
          const values = counts(f);
          if (values.length === 0 && !chosen(f)) return null;
          return <fieldset data-testid={`facet-${f}`}>
            <legend>{f === 'team' ? 'owner team' : f}</legend>
            {chosen(f) && <button type="button" class="link"
                onClick={() => set({[f]: null})}>Any {f}</button>}
            <ul>{values.map(([v, n]) => <li>
              <label>
                <input type="radio" name={`facet-${f}`} value={v}
                       checked={chosen(f) === v}
                       onChange={() => set({[f]: v})} />
                {' '}{v} <span class="count">{n}</span>
              </label></li>)}
            </ul>
          </fieldset>;
        })}
      </aside>
      <section class="results" aria-live="polite" aria-label="Results">
        <p class="muted" data-testid="result-count">
          {total} {total === 1 ? 'product' : 'products'}</p>
        {total === 0 && !filtered ? <Empty>The catalog is empty. Register a
          data product with <code>meshplane apply -f product.yaml</code>.
        </Empty> : hits.length === 0 ? <Empty>No product matches. Try fewer
          words or <button type="button" class="link"
            onClick={() => navigate('/search')}>clear the filters</button>.
        </Empty> : null}
        <ul class="cards">{hits.map((p) => <li class="card"
            data-testid="result">
          <h2><Link href={productUrl(p.name)}>{p.displayName || shortName(
              p.name)}</Link></h2>
          <p class="muted"><code>{p.name}</code></p>
          <p>{p.description}</p>
          <p class="chips">
            <span class={`chip lifecycle-${enumWord(p.lifecycle,
                'LIFECYCLE_')}`}>{enumWord(p.lifecycle, 'LIFECYCLE_')}</span>
            {p.tier ? <span class="chip">tier {p.tier}</span> : null}
            {p.classification && <span class="chip">{enumWord(
                p.classification, 'CLASSIFICATION_')}</span>}
            {p.ownerTeam && <span class="chip">team {shortName(
                p.ownerTeam)}</span>}
            {(p.tags ?? []).map((t) => <span class="chip tag">#{t}</span>)}
          </p>
        </li>)}</ul>
        {pages > 1 && <nav class="pager" aria-label="Pages">
          <button type="button" disabled={page <= 1}
                  onClick={() => set({page: String(page - 1)})}>Previous</button>
          <span>Page {page} of {pages}</span>
          <button type="button" disabled={page >= pages}
                  onClick={() => set({page: String(page + 1)})}>Next</button>
        </nav>}
      </section>
    </div>
  </>;
}
