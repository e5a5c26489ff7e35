// A small history-API router: every page has a real URL, so that a search
// or a product can be shared and the back button works.
import {useEffect, useState} from 'preact/hooks';

export interface Location {
  path: string;
  params: URLSearchParams;
}

function current(): Location {
  return {path: location.pathname,
          params: new URLSearchParams(location.search)};
}

export function navigate(url: string, replace = false) {
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  window.dispatchEvent(new Event('meshplane:navigate'));
  if (!replace) window.scrollTo(0, 0);
}

export function useLocation(): Location {
  const [loc, setLoc] = useState(current());
  useEffect(() => {
    const update = () => setLoc(current());
    window.addEventListener('popstate', update);
    window.addEventListener('meshplane:navigate', update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener('meshplane:navigate', update);
    };
  }, []);
  return loc;
}

// A link that navigates in the page (a plain click) or opens a tab (a
// modified click), like any link.
export function onLinkClick(e: MouseEvent) {
  const a = (e.currentTarget as HTMLAnchorElement);
  if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) {
    return;
  }
  e.preventDefault();
  navigate(a.getAttribute('href') ?? '/');
}

// The URL of a resource's page.
export function productUrl(name: string): string {
  const [, domain, , product] = name.split('/');
  return `/products/${encodeURIComponent(domain)}/${encodeURIComponent(product)}`;
}
export function lineageUrl(name: string, depth = 2): string {
  const [, domain, , product] = name.split('/');
  return `/lineage/${encodeURIComponent(domain)}/${
      encodeURIComponent(product)}?depth=${depth}`;
}
