// The products and domains the search and the domain tree work over,
// loaded once per page view through the List calls.
import {DataProduct, Domain, listAll} from './api';

export async function loadCatalog(): Promise<{products: DataProduct[],
                                              domains: Domain[]}> {
  const [products, domains] = await Promise.all([
    listAll<DataProduct>('domains/-/dataProducts', 'dataProducts'),
    listAll<Domain>('domains', 'domains'),
  ]);
  return {products, domains};
}

// `domain` and every domain below it, as resource names.
export function withSubdomains(domains: Domain[], domain: string): Set<string> {
  const out = new Set([domain]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const d of domains) {
      if (d.parent && out.has(d.parent) && !out.has(d.name)) {
        out.add(d.name);
        grew = true;
      }
    }
  }
  return out;
}

export function domainOf(product: string): string {
  return product.split('/').slice(0, 2).join('/');
}
