// Create or edit a data product from its descriptor (docs/descriptors.md):
// the YAML `meshplane product get NAME -o yaml` prints, parsed in the page
// (web/src/descriptor.ts), sent with validateOnly first so that the
// policies' warnings and refusals show before anything is written, then
// for real on confirm, with the lifecycle the file names reached after the
// write as `meshplane apply` does.
import {useEffect, useState} from 'preact/hooks';
import {ApiError, Caller, DataProduct, api, requestId, rn} from '../api';
import {navigate, productUrl} from '../router';
import {DescriptorErrors, UPDATE_MASK, parseDescriptor, template,
        toDescriptor} from '../descriptor';
import type {Descriptor} from '../descriptor';
import {ErrorBox, Link, Loading, enumWord, shortName, useLoad} from '../ui';

const ORDER = ['LIFECYCLE_DRAFT', 'LIFECYCLE_PUBLISHED', 'LIFECYCLE_DEPRECATED',
               'LIFECYCLE_RETIRED'];
const VERB: Record<string, string> = {LIFECYCLE_PUBLISHED: 'publish',
                                      LIFECYCLE_DEPRECATED: 'deprecate',
                                      LIFECYCLE_RETIRED: 'retire'};

// The JSON FieldMask of UPDATE_MASK (camelCase paths).
const MASK = UPDATE_MASK.replace(/_([a-z])/g, (_, c: string) =>
    c.toUpperCase());

export function EditProduct(props: {name?: string, caller: Caller,
                                    params: URLSearchParams}) {
  const [current, error, loading] = useLoad(
      () => props.name ? api<DataProduct>('GET', rn(props.name)) :
                         Promise.resolve(undefined),
      [props.name]);
  if (props.name && loading && !current) {
    return <Loading what="the data product" />;
  }
  if (error) return <ErrorBox error={error} />;
  return <EditorFor {...props} current={current} />;
}

function EditorFor(props: {name?: string, caller: Caller,
                           params: URLSearchParams, current?: DataProduct}) {
  const current = props.current;
  // A link to this same page (New data product, after creating one) starts
  // afresh: every navigation mounts a new editor.
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    const next = () => setGeneration((g) => g + 1);
    window.addEventListener('meshplane:navigate', next);
    window.addEventListener('popstate', next);
    return () => {
      window.removeEventListener('meshplane:navigate', next);
      window.removeEventListener('popstate', next);
    };
  }, []);
  const start = current ? toDescriptor(current) :
      template(props.params.get('domain') ?? '',
               shortName((props.caller.teams ?? [])[0]));
  return <Editor key={`${props.name ?? 'new'}-${generation}`}
                 current={current} start={start} />;
}

function Editor(props: {current?: DataProduct, start: string}) {
  const cur = props.current;
  const [text, setText] = useState(props.start);
  const [parseErrors, setParseErrors] = useState<DescriptorErrors>();
  const [error, setError] = useState<unknown>();
  // Set when the write went through but a lifecycle step after it did not.
  const [partly, setPartly] = useState('');
  const [preview, setPreview] = useState<{d: Descriptor, r: DataProduct}>();
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<string>();

  const parse = (): Descriptor|undefined => {
    try {
      const d = parseDescriptor(text);
      if (cur && `domains/${d.domain}/dataProducts/${d.id}` !== cur.name) {
        throw new DescriptorErrors([{line: 1, col: 1, path: 'metadata',
            message: `this page edits ${cur.name}: metadata.domain and ` +
                     'metadata.name cannot change'}]);
      }
      return d;
    } catch (e) {
      if (!(e instanceof DescriptorErrors)) throw e;
      setParseErrors(e);
      return undefined;
    }
  };

  // One write: the create of a new product, or the update of this one with
  // the descriptor's mask (what the file leaves out is cleared, as apply).
  const write = (d: Descriptor, validateOnly: boolean) => {
    const rid = validateOnly ? undefined : requestId();
    if (!cur) {
      return api<DataProduct>('POST', `domains/${encodeURIComponent(
          d.domain)}/dataProducts`, {query: {dataProductId: d.id, validateOnly,
                                             requestId: rid},
                                     body: d.product});
    }
    return api<DataProduct>('PATCH', rn(cur.name), {
      query: {updateMask: MASK, validateOnly, requestId: rid},
      body: {...d.product, name: cur.name, etag: cur.etag}});
  };

  const check = async () => {
    setParseErrors(undefined);
    setError(undefined);
    setPreview(undefined);
    const d = parse();
    if (!d) return;
    setBusy(true);
    try {
      setPreview({d, r: await write(d, true)});
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const save = async () => {
    if (!preview) return;
    setBusy(true);
    setError(undefined);
    const d = preview.d;
    const name = `domains/${d.domain}/dataProducts/${d.id}`;
    let saved: DataProduct|undefined;
    try {
      saved = await write(d, false);
      // The lifecycle the file names, reached forward only (a target
      // behind the current state is left, as apply does).
      let now = saved.lifecycle || 'LIFECYCLE_DRAFT';
      const target = d.lifecycle ?? now;
      let etag = saved.etag;
      while (ORDER.indexOf(target) > ORDER.indexOf(now)) {
        const next = ORDER[ORDER.indexOf(now) + 1];
        const moved = await api<DataProduct>('POST', `${rn(name)}:${
            VERB[next]}`, {body: {etag, requestId: requestId()}});
        now = moved.lifecycle ?? next;
        etag = moved.etag;
      }
      setDone(name);
    } catch (e) {
      setPreview(undefined);
      setError(e);
      if (saved) {
        setPartly(`${cur ? 'Saved' : 'Created'}, but the lifecycle step ` +
                  'after it was refused:');
        setDone(name);
      }
    } finally {
      setBusy(false);
    }
  };

  if (done && partly) {
    return <>
      <ErrorBox error={error} title={partly} />
      <p><Link href={productUrl(done)} testid="open-product">Open {
          shortName(done)}</Link></p></>;
  }
  if (done) {
    return <div class="notice" role="status" data-testid="descriptor-saved">
      <p>{cur ? 'Saved.' : 'Created.'}{' '}
        <Link href={productUrl(done)} testid="open-product">Open {
            shortName(done)}</Link></p></div>;
  }
  const behind = preview && preview.d.lifecycle && cur?.lifecycle &&
      ORDER.indexOf(preview.d.lifecycle) < ORDER.indexOf(cur.lifecycle);
  return <>
    {cur ? <p class="crumbs"><Link href={productUrl(cur.name)}>
      {shortName(cur.name)}</Link> › edit</p> : null}
    <h1>{cur ? `Edit ${cur.displayName || shortName(cur.name)}` :
         'New data product'}</h1>
    <form class="descriptor-form" onSubmit={(e) => {
      e.preventDefault();
      if (preview) save();
      else check();
    }}>
      <label for="descriptor">Descriptor (YAML)</label>
      <p id="descriptor-help" class="muted">The format of{' '}
        <code>meshplane apply</code> (kind <code>DataProduct</code>). Fields
        the file leaves out are cleared; the lifecycle moves forward only.
      </p>
      <textarea id="descriptor" data-testid="descriptor" rows={24}
                spellcheck={false} aria-describedby="descriptor-help"
                aria-invalid={parseErrors ? true : undefined}
                value={text} onInput={(e) => {
                  setText((e.target as HTMLTextAreaElement).value);
                  setPreview(undefined);
                }} />
      {parseErrors && <div class="error" role="alert"
                           data-testid="parse-errors">
        <strong>The descriptor is not right.</strong>
        <ul>{parseErrors.errors.map((e) => <li>
          Line {e.line}, column {e.col}: {e.path ? <><code>{e.path}</code>
          : </> : null}{e.message}</li>)}</ul></div>}
      {preview && <div class="notice" role="status" data-testid="preview">
        <p>The policies allow this {cur ? 'change' : 'product'}
          {preview.d.lifecycle && preview.d.lifecycle !== (cur?.lifecycle ??
              'LIFECYCLE_DRAFT') && !behind ?
            `; it will then be ${enumWord(preview.d.lifecycle,
                                          'LIFECYCLE_')}` : ''}.</p>
        {behind ? <p>The lifecycle stays {enumWord(cur!.lifecycle,
            'LIFECYCLE_')}: lifecycles only move forward.</p> : null}
        {(preview.r.warnings ?? []).length > 0 && <>
          <p>Warnings:</p>
          <ul data-testid="warnings">{preview.r.warnings!.map((w) => <li>
            <span class="effect effect-warn">WARN</span>{' '}
            {w.source ? <code>{w.source}</code> : null}
            {w.message ? <>: {w.message}</> : null}</li>)}</ul></>}
      </div>}
      {error !== undefined && <ErrorBox error={error}
          title={error instanceof ApiError &&
                 error.status === 'ALREADY_EXISTS' ?
              'A product with this name exists: edit it instead.' :
              undefined} />}
      <div class="actions">
        <button type="submit" disabled={busy} data-testid={preview ?
            'save-descriptor' : 'check-descriptor'}>
          {preview ? (cur ? 'Save' : 'Create') : 'Check with the policies'}
        </button>
        {preview && <button type="button" class="secondary"
            onClick={() => setPreview(undefined)}>Back to editing</button>}
        <button type="button" class="secondary" onClick={() =>
            navigate(cur ? productUrl(cur.name) : '/')}>Cancel</button>
      </div>
    </form>
  </>;
}
