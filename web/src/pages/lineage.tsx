// Lineage: the products upstream and downstream of one, as a graph laid out
// by dagre (layered, left to right: sources on the left, consumers on the
// right). Each node is a link to its product; the depth and direction are
// in the URL. The graph zooms (buttons, wheel, pinch, + and -) and pans
// (drag, arrows), and fits its frame on load (0 fits again).
import dagre from '@dagrejs/dagre';
import {useLayoutEffect, useRef, useState} from 'preact/hooks';
import {DataProduct, api, rn} from '../api';
import {lineageUrl, navigate, productUrl} from '../router';
import {Empty, ErrorBox, Link, Loading, enumWord, shortName, useLoad}
    from '../ui';

interface Edge {source: string, consumer: string, inputPort?: string,
              depth?: number}

const NODE_W = 190;
const NODE_H = 52;
// Zoom bounds, and the least scale a graph opens at (labels of 13 px stay
// legible at 0.6).
const MIN_K = 0.05;
const MAX_K = 3;
const READABLE = 0.6;

interface View {x: number, y: number, k: number}

function productOf(port: string): string {
  return port.split('/').slice(0, 4).join('/');
}

export function Lineage(props: {name: string, params: URLSearchParams}) {
  const depth = Math.min(10, Math.max(1,
      parseInt(props.params.get('depth') ?? '2', 10) || 2));
  const direction = props.params.get('direction') ?? 'both';
  const [data, error, loading] = useLoad(
      () => api<{dataProducts?: DataProduct[], edges?: Edge[]}>(
          'GET', `${rn(props.name)}:getLineage`,
          {query: {depth, direction: `LINEAGE_DIRECTION_${
              direction.toUpperCase()}`}}),
      [props.name, depth, direction]);
  const wrap = useRef<HTMLDivElement>(null);
  const focusAt = useRef<{x: number, y: number}|null>(null);
  const size = useRef({width: 0, height: 0});
  const [view, setView] = useState<View>({x: 0, y: 0, k: 1});
  // The gesture in progress: the pointers down, and whether they moved far
  // enough to be a drag (then the click that ends it opens nothing).
  const gesture = useRef<{pointers: Map<number, {x: number, y: number}>,
                          moved: boolean}>({pointers: new Map(),
                                            moved: false});
  const frame = () => {
    const r = wrap.current?.getBoundingClientRect();
    return {w: r?.width || 800, h: r?.height || 500};
  };
  // Fits the whole graph in the frame. On load the scale stays at or above
  // READABLE, centred on the page's product, so that a graph of hundreds
  // of products opens readable; the Fit button (and 0) shows it all.
  const fit = (floor: number) => {
    const {w, h} = frame();
    const g = size.current;
    let k = Math.min(w / g.width, h / g.height, 1);
    if (k >= floor || !focusAt.current) {
      k = Math.max(k, MIN_K);
      setView({k, x: (w - g.width * k) / 2, y: (h - g.height * k) / 2});
      return;
    }
    const f = focusAt.current;
    setView({k: floor, x: w / 2 - f.x * floor, y: h / 2 - f.y * floor});
  };
  useLayoutEffect(() => {
    if (size.current.width) fit(READABLE);
  }, [data]);
  // Zooms by `factor` around (cx, cy) in frame coordinates.
  const zoom = (factor: number, cx?: number, cy?: number) => {
    const {w, h} = frame();
    setView((v) => {
      const k = Math.min(MAX_K, Math.max(MIN_K, v.k * factor));
      const px = cx ?? w / 2;
      const py = cy ?? h / 2;
      return {k, x: px - (px - v.x) * (k / v.k), y: py - (py - v.y) * (k / v.k)};
    });
  };
  const pan = (dx: number, dy: number) =>
      setView((v) => ({...v, x: v.x + dx, y: v.y + dy}));
  // A node reached with Tab is brought into view if it is outside it.
  const reveal = (at: {x: number, y: number}) => {
    const {w, h} = frame();
    setView((v) => {
      const sx = v.x + at.x * v.k;
      const sy = v.y + at.y * v.k;
      const mx = (NODE_W / 2) * v.k + 8;
      const my = (NODE_H / 2) * v.k + 8;
      if (sx >= mx && sx <= w - mx && sy >= my && sy <= h - my) return v;
      return {...v, x: w / 2 - at.x * v.k, y: h / 2 - at.y * v.k};
    });
  };
  const local = (e: {clientX: number, clientY: number}) => {
    const r = wrap.current!.getBoundingClientRect();
    return {x: e.clientX - r.left, y: e.clientY - r.top};
  };
  const onKey = (e: KeyboardEvent) => {
    const step = 60;
    const keys: Record<string, () => void> = {
      ArrowLeft: () => pan(step, 0), ArrowRight: () => pan(-step, 0),
      ArrowUp: () => pan(0, step), ArrowDown: () => pan(0, -step),
      '+': () => zoom(1.25), '=': () => zoom(1.25), '-': () => zoom(0.8),
      '_': () => zoom(0.8), '0': () => fit(0),
    };
    const f = keys[e.key];
    if (f && !e.ctrlKey && !e.metaKey && !e.altKey) {
      e.preventDefault();
      f();
    }
  };
  const onWheel = (e: WheelEvent) => {
    e.preventDefault();
    const at = local(e);
    // A trackpad pinch arrives as a wheel event with ctrlKey.
    const unit = e.deltaMode === 1 ? 16 : 1;
    zoom(Math.exp(-e.deltaY * unit * (e.ctrlKey ? 0.01 : 0.0015)), at.x,
         at.y);
  };
  const onPointerDown = (e: PointerEvent) => {
    if (e.button !== 0) return;
    const g = gesture.current;
    // A primary pointer starts a new gesture (a pointer lifted outside
    // the frame left nothing behind).
    if (e.isPrimary) g.pointers.clear();
    if (g.pointers.size === 0) g.moved = false;
    g.pointers.set(e.pointerId, local(e));
  };
  const onPointerMove = (e: PointerEvent) => {
    const g = gesture.current;
    const last = g.pointers.get(e.pointerId);
    if (!last) return;
    const at = local(e);
    if (g.pointers.size === 1) {
      if (!g.moved && Math.hypot(at.x - last.x, at.y - last.y) < 4) return;
      if (!g.moved) {
        // A drag from here on: keep its pointer even off the frame.
        (e.currentTarget as Element).setPointerCapture?.(e.pointerId);
      }
      g.moved = true;
      pan(at.x - last.x, at.y - last.y);
    } else if (g.pointers.size === 2) {
      // Pinch: zoom by the change of distance, around the midpoint.
      const [a, b] = [...g.pointers.entries()];
      const other = a[0] === e.pointerId ? b[1] : a[1];
      const before = Math.hypot(last.x - other.x, last.y - other.y);
      const after = Math.hypot(at.x - other.x, at.y - other.y);
      if (before > 0) {
        zoom(after / before, (at.x + other.x) / 2, (at.y + other.y) / 2);
      }
      g.moved = true;
    }
    g.pointers.set(e.pointerId, at);
  };
  const onPointerUp = (e: PointerEvent) => {
    gesture.current.pointers.delete(e.pointerId);
  };

  const setParam = (k: string, v: string) => {
    const p = new URLSearchParams(props.params);
    p.set(k, v);
    navigate(`${lineageUrl(props.name).split('?')[0]}?${p}`, true);
  };

  const controls = <form class="lineage-controls" onSubmit={(e) =>
      e.preventDefault()}>
    <label for="depth">Depth</label>
    <select id="depth" value={String(depth)} data-testid="depth"
            onChange={(e) => setParam('depth',
                (e.target as HTMLSelectElement).value)}>
      {[1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((d) => <option value={String(d)}>
        {d}</option>)}
    </select>
    <label for="direction">Direction</label>
    <select id="direction" value={direction} data-testid="direction"
            onChange={(e) => setParam('direction',
                (e.target as HTMLSelectElement).value)}>
      <option value="both">upstream and downstream</option>
      <option value="upstream">upstream</option>
      <option value="downstream">downstream</option>
    </select>
  </form>;

  const head = <>
    <p class="crumbs"><Link href={productUrl(props.name)}>
      {shortName(props.name)}</Link> › lineage</p>
    <h1>Lineage of {shortName(props.name)}</h1>
    {controls}
  </>;
  if (loading && !data) return <>{head}<Loading what="the lineage" /></>;
  if (error) return <>{head}<ErrorBox error={error} /></>;

  const products = data!.dataProducts ?? [];
  const edges = data!.edges ?? [];
  if (edges.length === 0) {
    return <>{head}<Empty>No product reads {shortName(props.name)} and it
      reads none, at this depth. Input ports of a product make lineage: see
      the product's descriptor.</Empty></>;
  }

  const g = new dagre.graphlib.Graph({multigraph: true});
  g.setGraph({rankdir: 'LR', nodesep: 24, ranksep: 90, marginx: 16,
              marginy: 16});
  g.setDefaultEdgeLabel(() => ({}));
  const byName = new Map(products.map((p) => [p.name, p]));
  for (const p of products) {
    g.setNode(p.name, {width: NODE_W, height: NODE_H});
  }
  edges.forEach((e, i) => {
    const from = productOf(e.source);
    if (!g.hasNode(from)) g.setNode(from, {width: NODE_W, height: NODE_H});
    if (!g.hasNode(e.consumer)) {
      g.setNode(e.consumer, {width: NODE_W, height: NODE_H});
    }
    g.setEdge(from, e.consumer, {}, `e${i}`);
  });
  dagre.layout(g);
  const graph = g.graph();
  focusAt.current = g.hasNode(props.name) ? g.node(props.name) : null;
  const width = Math.max(graph.width ?? 0, 200);
  const height = Math.max(graph.height ?? 0, 100);
  size.current = {width, height};

  return <>{head}
    <p class="muted" id="lineage-help">{g.nodeCount()} products,{' '}
      {edges.length} edges. Click a product (or focus it and press Enter)
      to open it. Drag or use the arrow keys to move, the wheel, a pinch or
      + and - to zoom, 0 to fit.</p>
    <div class="zoom-controls" role="toolbar" aria-label="Zoom">
      <button type="button" class="secondary" data-testid="zoom-in"
              aria-label="Zoom in" onClick={() => zoom(1.25)}>+</button>
      <button type="button" class="secondary" data-testid="zoom-out"
              aria-label="Zoom out" onClick={() => zoom(0.8)}>−</button>
      <button type="button" class="secondary" data-testid="zoom-fit"
              onClick={() => fit(0)}>Fit</button>
      <span class="muted" data-testid="zoom-level" aria-live="polite">
        {Math.round(view.k * 100)}%</span>
    </div>
    <div class="graph-wrap" ref={wrap} tabIndex={0} data-testid="graph-frame"
         aria-describedby="lineage-help" onKeyDown={onKey} onWheel={onWheel}
         onPointerDown={onPointerDown} onPointerMove={onPointerMove}
         onPointerUp={onPointerUp} onPointerCancel={onPointerUp}>
      <svg class="lineage" data-testid="lineage-graph" role="group"
           aria-label={`Lineage graph of ${shortName(props.name)}`}
           width="100%" height="100%">
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5"
                  markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M 0 0 L 10 5 L 0 10 z" class="arrow" />
          </marker>
        </defs>
        <g data-testid="viewport" data-scale={view.k.toFixed(3)}
           transform={`translate(${view.x},${view.y}) scale(${view.k})`}>
        {g.edges().map((ed) => {
          const pts: {x: number, y: number}[] = g.edge(ed).points ?? [];
          const d = pts.map((pt, i) => `${i ? 'L' : 'M'}${pt.x},${pt.y}`)
              .join(' ');
          return <path class="edge" data-testid="lineage-edge" d={d}
                       marker-end="url(#arrow)" />;
        })}
        {g.nodes().map((n) => {
          const pos = g.node(n);
          const p = byName.get(n);
          const focus = n === props.name;
          const open = () => navigate(productUrl(n));
          const title = p?.displayName || shortName(n);
          const sub = `${n.split('/')[1]} · ${enumWord(p?.lifecycle,
                                                       'LIFECYCLE_')}`;
          return <g class={`node${focus ? ' focus' : ''}`}
                    data-testid="lineage-node" data-name={n}
                    transform={`translate(${pos.x - NODE_W / 2},${
                        pos.y - NODE_H / 2})`}
                    tabindex={0} role="link"
                    aria-label={`Open ${title}`}
                    onFocus={() => {
                      // Not on a click: the view must not move under it.
                      if (gesture.current.pointers.size === 0) reveal(pos);
                    }}
                    onClick={() => {
                      // The end of a drag is not a click on a product.
                      if (!gesture.current.moved) open();
                    }}
                    onKeyDown={(e) => {
                      if (e.key === 'Enter' || e.key === ' ') {
                        e.preventDefault();
                        open();
                      }
                    }}>
            <title>{`${title} (${n}), ${sub}`}</title>
            <rect width={NODE_W} height={NODE_H} rx="6" />
            <text x="10" y="21" class="title">{truncate(title, 24)}</text>
            <text x="10" y="39" class="sub">{truncate(sub, 30)}</text>
          </g>;
        })}
        </g>
      </svg>
    </div>
  </>;
}

function truncate(s: string, n: number): string {
  return s.length > n ? s.slice(0, n - 1) + '…' : s;
}
