// Shared pieces: links, loading and error states, plain words for codes.
import type {ComponentChildren} from 'preact';
import {useEffect, useState} from 'preact/hooks';
import {ApiError} from './api';
import {onLinkClick} from './router';

export function Link(props: {href: string, children: ComponentChildren,
                             class?: string, testid?: string}) {
  return <a href={props.href} class={props.class} onClick={onLinkClick}
            data-testid={props.testid}>{props.children}</a>;
}

export function Loading(props: {what: string}) {
  return <p class="loading" role="status" aria-live="polite">
    Loading {props.what}…</p>;
}

export function Empty(props: {children: ComponentChildren}) {
  return <div class="empty" role="status">{props.children}</div>;
}

// An error in plain words, with the policies that refused a write and the
// fields at fault when the API names them.
export function ErrorBox(props: {error: unknown, title?: string}) {
  const e = props.error;
  if (!(e instanceof ApiError)) {
    return <div class="error" role="alert">
      <strong>{props.title ?? 'Something went wrong.'}</strong>
      <p>{String((e as Error)?.message ?? e)}</p></div>;
  }
  return <div class="error" role="alert" data-testid="error">
    <strong>{props.title ?? plainStatus(e)}</strong>
    <p class="message">{e.message}</p>
    {e.violations.length > 0 && <>
      <p>Violated policies:</p>
      <ul class="violations" data-testid="violations">
        {e.violations.map((v) => <li>
          <span class={`effect effect-${(v.effect ?? '').toLowerCase()}`}>
            {v.effect ?? 'DENY'}</span>{' '}
          <code>{v.policy}</code>
          {v.scope ? <span class="muted"> ({v.scope})</span> : null}
          {v.message ? <>: {v.message}</> : null}
        </li>)}
      </ul></>}
    {e.fields.length > 0 && <ul class="fields">
      {e.fields.map((f) => <li><code>{f.field}</code>: {f.description}</li>)}
    </ul>}
  </div>;
}

export function plainStatus(e: ApiError): string {
  switch (e.status) {
    case 'PERMISSION_DENIED': return 'You are not allowed to do this.';
    case 'NOT_FOUND': return 'Not found.';
    case 'FAILED_PRECONDITION': return 'Refused.';
    case 'INVALID_ARGUMENT': return 'Something in the form is not right.';
    case 'UNAUTHENTICATED': return 'Please sign in again.';
    case 'UNAVAILABLE': return 'Meshplane is unavailable right now.';
    case 'ABORTED': return 'Someone changed this meanwhile: reload and retry.';
    default: return 'The request failed.';
  }
}

// Loads with `f` whenever `deps` change: [value, error, loading, reload].
export function useLoad<T>(f: () => Promise<T>, deps: unknown[]):
    [T|undefined, unknown, boolean, () => void] {
  const [state, setState] = useState<{v?: T, e?: unknown, loading: boolean}>(
      {loading: true});
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({...s, loading: true}));
    f().then((v) => live && setState({v, loading: false}),
             (e) => live && setState({e, loading: false}));
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  return [state.v, state.e, state.loading, () => setTick((t) => t + 1)];
}

// "LIFECYCLE_PUBLISHED" -> "published".
export function enumWord(v: string|undefined, prefix: string): string {
  if (!v) return '';
  return v.replace(prefix, '').toLowerCase().replace(/_/g, ' ');
}

export function shortName(name: string|undefined): string {
  return (name ?? '').split('/').pop() ?? '';
}

// "7776000s" -> "90 days".
export function durationWords(d: string|undefined): string {
  if (!d) return '';
  const s = parseFloat(d);
  const unit = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (s % 86400 === 0) return unit(s / 86400, 'day');
  if (s % 3600 === 0) return unit(s / 3600, 'hour');
  if (s % 60 === 0) return unit(s / 60, 'minute');
  return unit(s, 'second');
}

export function when(t: string|undefined): string {
  if (!t) return '';
  const d = new Date(t);
  return isNaN(d.getTime()) ? t : d.toLocaleString();
}
