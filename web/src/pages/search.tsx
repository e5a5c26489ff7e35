// Search and browse: full-text over names, descriptions, tags and ports,
// narrowed by facets; every choice is in the URL, so that a search can be
// shared.
import {useEffect, useRef} from 'preact/hooks';
import {DataProduct} from '../api';
import {domainOf, loadCatalog, withSubdomains} from '../catalog';
import {navigate, productUrl} from '../router';
import {Empty, ErrorBox, Link, Loading, enumWord, shortName, useLoad}
    from '../ui';

const PAGE = 20;
const FACETS = ['domain', 'team', 'lifecycle', 'tier', 'classification', 'tag'];

function facetValues(p: DataProduct, facet: string): string[] {
  switch (facet) {
    case 'domain': return [shortName(domainOf(p.name))];
    case 'team': return p.ownerTeam ? [shortName(p.ownerTeam)] : [];
    case 'lifecycle': return [enumWord(p.lifecycle, 'LIFECYCLE_')];
    case 'tier': return p.tier ? [String(p.tier)] : [];
    case 'classification':
      return [enumWord(p.classification, 'CLASSIFICATION_')].filter(Boolean);
    case 'tag': return p.tags ?? [];
  }
  return [];
}

function haystack(p: DataProduct): string {
  return [p.name, p.displayName, p.description, p.ownerTeam, ...(p.tags ?? []),
          ...Object.entries(p.labels ?? {}).flat(),
          ...(p.outputPorts ?? []).flatMap(
              (o) => [o.id, o.displayName, o.description, o.location])]
      .filter(Boolean).join(' ').toLowerCase();
}

export function Search(props: {params: URLSearchParams}) {
  const [catalog, error, loading, reload] = useLoad(loadCatalog, []);
  const input = useRef<HTMLInputElement>(null);
  const params = props.params;
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

  if (loading && !catalog) return <>{header}<Loading what="the catalog" /></>;
  if (error) return <>{header}<ErrorBox error={error} />
    <button type="button" onClick={reload}>Try again</button></>;
  const {products, domains} = catalog!;

  const terms = q.toLowerCase().split(/\s+/).filter(Boolean);
  const chosen = (f: string) => params.get(f);
  const matchesFacet = (p: DataProduct, f: string): boolean => {
    const v = chosen(f);
    if (!v) return true;
    if (f === 'domain') {
      return withSubdomains(domains, `domains/${v}`).has(domainOf(p.name));
    }
    return facetValues(p, f).includes(v);
  };
  const textHits = products.filter((p) => {
    const h = haystack(p);
    return terms.every((t) => h.includes(t));
  });
  const hits = textHits.filter((p) => FACETS.every((f) => matchesFacet(p, f)));
  hits.sort((a, b) => (a.displayName ?? a.name).localeCompare(
      b.displayName ?? b.name));
  const pages = Math.max(1, Math.ceil(hits.length / PAGE));
  const shown = hits.slice((page - 1) * PAGE, page * PAGE);

  // Counts of each facet's values among the products the other facets and
  // the text leave, so that a count says what a click would show.
  const counts = (f: string): [string, number][] => {
    const base = textHits.filter((p) => FACETS.every(
        (g) => g === f || matchesFacet(p, g)));
    const m = new Map<string, number>();
    if (f === 'domain') {
      for (const d of domains) {
        const under = withSubdomains(domains, d.name);
        const n = base.filter((p) => under.has(domainOf(p.name))).length;
        if (n > 0) m.set(shortName(d.name), n);
      }
    } else {
      for (const p of base) {
        for (const v of facetValues(p, f)) m.set(v, (m.get(v) ?? 0) + 1);
      }
    }
    return [...m.entries()].sort((a, b) => a[0].localeCompare(b[0]));
  };

  return <>
    {header}
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
          {hits.length} {hits.length === 1 ? 'product' : 'products'}</p>
        {products.length === 0 ? <Empty>The catalog is empty. Register a
          data product with <code>meshplane apply -f product.yaml</code>.
        </Empty> : hits.length === 0 ? <Empty>No product matches. Try fewer
          words or <button type="button" class="link"
            onClick={() => navigate('/search')}>clear the filters</button>.
        </Empty> : null}
        <ul class="cards">{shown.map((p) => <li class="card"
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
