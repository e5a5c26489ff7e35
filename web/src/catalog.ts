// What the search and the domain tree read: the server's search
// (SearchDataProducts, with its facet counts) and the domains. Products are
// never loaded all at once: a catalog may hold 100,000 of them.
import {DataProduct, Domain, Query, api, listAll} from './api';

export interface FacetValue {
  value: string;
  count?: string;   // int64 in proto3 JSON
}
export interface Facet {
  field: string;
  values?: FacetValue[];
}
export interface SearchResult {
  dataProducts?: DataProduct[];
  nextPageToken?: string;
  totalSize?: string;  // exact; int64 in proto3 JSON
  facets?: Facet[];
}

// GET /v1/dataProducts:search (docs/api.md#search).
export function searchProducts(query: Query): Promise<SearchResult> {
  return api<SearchResult>('GET', 'dataProducts:search', {query});
}

// Every domain: a few hundred at most, unlike products.
export function loadDomains(): Promise<Domain[]> {
  return listAll<Domain>('domains', 'domains');
}

export function domainOf(product: string): string {
  return product.split('/').slice(0, 2).join('/');
}
