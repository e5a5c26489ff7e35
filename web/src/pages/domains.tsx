// Domains as a tree: owners, subdomains, and the products of each.
import {Domain} from '../api';
import {domainOf, loadCatalog} from '../catalog';
import {productUrl} from '../router';
import {Empty, ErrorBox, Link, Loading, shortName, useLoad} from '../ui';

export function Domains() {
  const [catalog, error, loading] = useLoad(loadCatalog, []);
  if (loading && !catalog) return <Loading what="the domains" />;
  if (error) return <ErrorBox error={error} />;
  const {domains, products} = catalog!;
  const names = new Set(domains.map((d) => d.name));
  const roots = domains.filter((d) => !d.parent || !names.has(d.parent));
  const children = (d: Domain) => domains.filter((c) => c.parent === d.name);
  const tree = (d: Domain) => {
    const mine = products.filter((p) => domainOf(p.name) === d.name);
    return <li data-testid="domain">
      <details open>
        <summary><strong>{d.displayName || shortName(d.name)}</strong>{' '}
          <span class="muted">{shortName(d.name)} · owned by{' '}
            {shortName(d.ownerTeam) || 'nobody'} · {mine.length}{' '}
            {mine.length === 1 ? 'product' : 'products'}</span></summary>
        <p>{d.description}</p>
        <p><Link href={`/products/new?domain=${encodeURIComponent(
            shortName(d.name))}`}>New data product in {d.displayName ||
            shortName(d.name)}</Link></p>
        {mine.length > 0 && <ul class="products">{mine.map((p) => <li>
          <Link href={productUrl(p.name)}>{p.displayName ||
              shortName(p.name)}</Link></li>)}</ul>}
        {children(d).length > 0 && <ul class="tree">
          {children(d).map(tree)}</ul>}
      </details>
    </li>;
  };
  return <>
    <h1>Domains</h1>
    <p><Link href="/products/new" testid="new-product">New data product
      </Link> from its descriptor</p>
    {domains.length === 0 ? <Empty>No domain yet. An admin creates one with
      <code> meshplane domain create</code>.</Empty> :
     <ul class="tree">{roots.map(tree)}</ul>}
  </>;
}
