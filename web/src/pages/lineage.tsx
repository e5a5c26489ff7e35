// Lineage: the products upstream and downstream of one, as a graph laid out
// by dagre (layered, left to right: sources on the left, consumers on the
// right). Each node is a link to its product; the depth and direction are
// in the URL.
import dagre from '@dagrejs/dagre';
import {useEffect, useRef} from 'preact/hooks';
import {DataProduct, api, rn} from '../api';
import {lineageUrl, navigate, productUrl} from '../router';
import {Empty, ErrorBox, Link, Loading, enumWord, shortName, useLoad}
    from '../ui';

interface Edge {source: string, consumer: string, inputPort?: string,
              depth?: number}

const NODE_W = 190;
const NODE_H = 52;

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
  // A large graph (hundreds of products) scrolls inside its frame: bring the
  // product the page is about into view, not the frame's empty corner.
  const wrap = useRef<HTMLDivElement>(null);
  const focusAt = useRef<{x: number, y: number}|null>(null);
  useEffect(() => {
    if (wrap.current && focusAt.current) {
      wrap.current.scrollTop = focusAt.current.y - wrap.current.clientHeight / 2;
      wrap.current.scrollLeft = focusAt.current.x - NODE_W;
    }
  }, [data]);

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

  return <>{head}
    <p class="muted">{g.nodeCount()} products, {edges.length} edges. Click a
      product (or focus it and press Enter) to open it.</p>
    <div class="graph-wrap" ref={wrap}>
      <svg class="lineage" data-testid="lineage-graph" role="group"
           aria-label={`Lineage graph of ${shortName(props.name)}`}
           width={width} height={height} viewBox={`0 0 ${width} ${height}`}>
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5"
                  markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M 0 0 L 10 5 L 0 10 z" class="arrow" />
          </marker>
        </defs>
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
          return <g class={`node${focus ? ' focus' : ''}`}
                    data-testid="lineage-node" data-name={n}
                    transform={`translate(${pos.x - NODE_W / 2},${
                        pos.y - NODE_H / 2})`}
                    tabindex={0} role="link"
                    aria-label={`Open ${p?.displayName || shortName(n)}`}
                    onClick={open}
                    onKeyDown={(e) => {
                      if (e.key === 'Enter' || e.key === ' ') {
                        e.preventDefault();
                        open();
                      }
                    }}>
            <rect width={NODE_W} height={NODE_H} rx="6" />
            <text x="10" y="21" class="title">{truncate(
                p?.displayName || shortName(n), 24)}</text>
            <text x="10" y="39" class="sub">{truncate(`${n.split('/')[1]} · ${
                enumWord(p?.lifecycle, 'LIFECYCLE_')}`, 30)}</text>
          </g>;
        })}
      </svg>
    </div>
  </>;
}

function truncate(s: string, n: number): string {
  return s.length > n ? s.slice(0, n - 1) + '…' : s;
}
