// Domains as a tree: owners, subdomains, and how many products each holds
// (with its subdomains', from the search's domain facet), and a link to
// those products in the search.
import {useEffect, useState} from 'preact/hooks';
import {Domain} from '../api';
import {loadDomains, searchProducts} from '../catalog';
import {Empty, ErrorBox, Link, Loading, shortName, useLoad} from '../ui';

export function Domains() {
  const [domains, error, loading] = useLoad(loadDomains, []);
  const [counts, setCounts] = useState<Map<string, number>>(new Map());
  useEffect(() => {
    if (!domains?.length) return;
    searchProducts({pageSize: 1, facetSize: Math.min(100, domains.length)})
        .then((r) => {
          const facet = (r.facets ?? []).find((f) => f.field === 'domain');
          setCounts(new Map((facet?.values ?? []).map(
              (v) => [v.value, Number(v.count ?? 0)])));
        }, () => setCounts(new Map()));
  }, [domains]);
  if (loading && !domains) return <Loading what="the domains" />;
  if (error) return <ErrorBox error={error} />;
  const all = domains!;
  const names = new Set(all.map((d) => d.name));
  const roots = all.filter((d) => !d.parent || !names.has(d.parent));
  const children = (d: Domain) => all.filter((c) => c.parent === d.name);
  const tree = (d: Domain) => {
    const n = counts.get(d.name) ?? 0;
    return <li data-testid="domain">
      <details open>
        <summary><strong>{d.displayName || shortName(d.name)}</strong>{' '}
          <span class="muted">{shortName(d.name)} · owned by{' '}
            {shortName(d.ownerTeam) || 'nobody'} · {n}{' '}
            {n === 1 ? 'product' : 'products'}</span></summary>
        <p>{d.description}</p>
        {n > 0 && <p><Link
            href={`/search?domain=${encodeURIComponent(shortName(d.name))}`}>
          Its products</Link></p>}
        <p><Link href={`/products/new?domain=${encodeURIComponent(
            shortName(d.name))}`}>New data product in {d.displayName ||
            shortName(d.name)}</Link></p>
        {children(d).length > 0 && <ul class="tree">
          {children(d).map(tree)}</ul>}
      </details>
    </li>;
  };
  return <>
    <h1>Domains</h1>
    <p><Link href="/products/new" testid="new-product">New data product
      </Link> from its descriptor</p>
    {all.length === 0 ? <Empty>No domain yet. An admin creates one with
      <code> meshplane domain create</code>.</Empty> :
     <ul class="tree">{roots.map(tree)}</ul>}
  </>;
}
