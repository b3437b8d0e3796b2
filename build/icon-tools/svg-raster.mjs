/**
 * Renders the small SVG subset build/icon.svg is written in (see the comment there) to RGBA pixels,
 * in plain JavaScript: every shape is a signed distance function, and a pixel's coverage is its
 * distance from the edge in pixels, which anti-aliases at any size without supersampling.
 * Anything outside the subset throws, so the PNGs never differ silently from what a browser shows.
 */

const SHAPES = new Set(['rect', 'circle', 'polygon', 'polyline']);
const IGNORED = new Set(['title', 'desc', 'defs']);
const COMMON_ATTRS = ['fill', 'stroke', 'stroke-width', 'stroke-linecap', 'stroke-linejoin', 'mask', 'data-min-size'];
const SHAPE_ATTRS = {
  rect: ['x', 'y', 'width', 'height', 'rx'],
  circle: ['cx', 'cy', 'r'],
  polygon: ['points'],
  polyline: ['points'],
};

/** Parses the subset into { size, gradients, masks, shapes } (masks and shapes in paint order). */
export function parseIconSvg(text) {
  const source = text.replace(/<\?xml[^>]*\?>/g, '').replace(/<!--[\s\S]*?-->/g, '');
  const tagPattern = /<(\/?)([a-zA-Z]+)((?:\s+[\w:-]+="[^"]*")*)\s*(\/?)>/g;
  const stack = [];
  const doc = { size: 0, gradients: new Map(), masks: new Map(), shapes: [] };
  let gradient = null;
  let mask = null;
  let consumed = 0;
  for (const match of source.matchAll(tagPattern)) {
    const between = source.slice(consumed, match.index);
    if (/[<>]/.test(between)) throw new Error(`unsupported markup near: ${between.trim().slice(0, 60)}`);
    consumed = match.index + match[0].length;
    const [, closing, name, rawAttrs, selfClosing] = match;
    if (closing) {
      if (stack.pop() !== name) throw new Error(`unbalanced </${name}>`);
      if (name === 'linearGradient') gradient = null;
      if (name === 'mask') mask = null;
      continue;
    }
    const attrs = Object.fromEntries([...rawAttrs.matchAll(/([\w:-]+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (!selfClosing) stack.push(name);
    if (name === 'svg') {
      if (attrs.viewBox !== `0 0 ${attrs.width} ${attrs.height}` || attrs.width !== attrs.height) throw new Error('the svg must be square with viewBox "0 0 W W"');
      doc.size = Number(attrs.width);
    } else if (name === 'linearGradient') {
      if (attrs.gradientUnits !== 'userSpaceOnUse') throw new Error('gradients must use gradientUnits="userSpaceOnUse"');
      gradient = { x1: num(attrs.x1), y1: num(attrs.y1), x2: num(attrs.x2), y2: num(attrs.y2), stops: [] };
      doc.gradients.set(attrs.id, gradient);
    } else if (name === 'stop') {
      if (!gradient) throw new Error('<stop> outside a gradient');
      gradient.stops.push({ offset: num(attrs.offset), color: hex(attrs['stop-color']) });
    } else if (name === 'mask') {
      if (attrs.maskUnits !== 'userSpaceOnUse') throw new Error('masks must use maskUnits="userSpaceOnUse"');
      mask = [];
      doc.masks.set(attrs.id, mask);
    } else if (SHAPES.has(name)) {
      (mask ?? doc.shapes).push(shape(name, attrs));
    } else if (!IGNORED.has(name)) {
      throw new Error(`unsupported element <${name}>`);
    }
  }
  if (stack.length > 0 || doc.size === 0) throw new Error('incomplete svg');
  return doc;
}

function num(value) {
  const n = Number(value);
  if (value === undefined || value.trim() === '' || !Number.isFinite(n)) throw new Error(`not a number: "${value}"`);
  return n;
}

function hex(value) {
  const m = /^#([0-9a-f]{6})$/i.exec(value ?? '');
  if (!m) throw new Error(`colours must be #rrggbb, got "${value}"`);
  const v = parseInt(m[1], 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

function points(value) {
  const list = value.trim().split(/\s+/).map((pair) => pair.split(',').map(num));
  if (list.length < 2 || list.some((p) => p.length !== 2)) throw new Error(`bad points "${value}"`);
  return list;
}

/** One shape as { distance(x, y), paint, mask, minSize }. */
function shape(name, attrs) {
  for (const key of Object.keys(attrs)) {
    if (!COMMON_ATTRS.includes(key) && !SHAPE_ATTRS[name].includes(key)) throw new Error(`unsupported attribute ${key} on <${name}>`);
  }
  const stroke = attrs.stroke && attrs.stroke !== 'none' ? attrs.stroke : null;
  const fill = attrs.fill && attrs.fill !== 'none' ? attrs.fill : null;
  const half = stroke ? num(attrs['stroke-width']) / 2 : 0;
  if (stroke && (attrs['stroke-linejoin'] !== 'round' || (name === 'polyline' && attrs['stroke-linecap'] !== 'round'))) {
    throw new Error(`<${name}>: strokes must have round joins and caps`);
  }
  let distance;
  if (name === 'polyline') {
    if (fill || !stroke) throw new Error('<polyline> must be a stroke without fill');
    const pts = points(attrs.points);
    distance = (x, y) => polylineDistance(pts, x, y) - half;
  } else {
    if (!fill) throw new Error(`<${name}> needs a fill`);
    if (stroke && stroke !== fill) throw new Error(`<${name}>: a stroke must have the fill's colour (it widens the shape)`);
    if (stroke && name !== 'polygon') throw new Error(`<${name}>: only polygons may be widened by a stroke`);
    if (name === 'rect') {
      const [x, y, w, h, r] = [num(attrs.x), num(attrs.y), num(attrs.width), num(attrs.height), num(attrs.rx ?? '0')];
      distance = (px, py) => roundedRectDistance(px, py, x + w / 2, y + h / 2, w / 2, h / 2, r);
    } else if (name === 'circle') {
      const [cx, cy, r] = [num(attrs.cx), num(attrs.cy), num(attrs.r)];
      distance = (px, py) => Math.sqrt((px - cx) ** 2 + (py - cy) ** 2) - r;
    } else {
      const pts = points(attrs.points);
      distance = (x, y) => polygonDistance(pts, x, y) - half;
    }
  }
  const maskId = attrs.mask ? /^url\(#([\w-]+)\)$/.exec(attrs.mask)?.[1] : null;
  if (attrs.mask && !maskId) throw new Error(`bad mask reference ${attrs.mask}`);
  return { distance, paint: fill ?? stroke, mask: maskId, minSize: attrs['data-min-size'] ? num(attrs['data-min-size']) : 0 };
}

function roundedRectDistance(px, py, cx, cy, hw, hh, r) {
  const qx = Math.abs(px - cx) - (hw - r);
  const qy = Math.abs(py - cy) - (hh - r);
  return Math.sqrt(Math.max(qx, 0) ** 2 + Math.max(qy, 0) ** 2) + Math.min(Math.max(qx, qy), 0) - r;
}

function segmentDistanceSq(x, y, [ax, ay], [bx, by]) {
  const ex = bx - ax;
  const ey = by - ay;
  const t = Math.max(0, Math.min(1, ((x - ax) * ex + (y - ay) * ey) / (ex * ex + ey * ey)));
  return (x - ax - ex * t) ** 2 + (y - ay - ey * t) ** 2;
}

function polylineDistance(pts, x, y) {
  let best = Infinity;
  for (let i = 1; i < pts.length; i++) best = Math.min(best, segmentDistanceSq(x, y, pts[i - 1], pts[i]));
  return Math.sqrt(best);
}

/** Signed distance to a closed polygon (negative inside; even-odd rule). */
function polygonDistance(pts, x, y) {
  let best = Infinity;
  let inside = false;
  for (let i = 0, j = pts.length - 1; i < pts.length; j = i++) {
    const [xi, yi] = pts[i];
    const [xj, yj] = pts[j];
    best = Math.min(best, segmentDistanceSq(x, y, pts[j], pts[i]));
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside ? -Math.sqrt(best) : Math.sqrt(best);
}

function gradientColor(g, x, y) {
  const dx = g.x2 - g.x1;
  const dy = g.y2 - g.y1;
  const t = Math.max(0, Math.min(1, ((x - g.x1) * dx + (y - g.y1) * dy) / (dx * dx + dy * dy)));
  const stops = g.stops;
  if (t <= stops[0].offset) return stops[0].color;
  for (let i = 1; i < stops.length; i++) {
    if (t <= stops[i].offset) {
      const k = (t - stops[i - 1].offset) / (stops[i].offset - stops[i - 1].offset);
      return stops[i].color.map((c, n) => stops[i - 1].color[n] + (c - stops[i - 1].color[n]) * k);
    }
  }
  return stops[stops.length - 1].color;
}

/** The colour of `paint` (a #rrggbb or url(#gradient)) at a point. */
function colorAt(doc, paint, x, y) {
  const ref = /^url\(#([\w-]+)\)$/.exec(paint)?.[1];
  if (!ref) return hex(paint);
  const g = doc.gradients.get(ref);
  if (!g || g.stops.length === 0) throw new Error(`no gradient #${ref}`);
  return gradientColor(g, x, y);
}

/** Composites `shapes` at one point: [r, g, b, a] premultiplied, colours 0..255, alpha 0..1. */
function compose(doc, shapes, x, y, unitsPerPixel, pixelSize) {
  let r = 0;
  let g = 0;
  let b = 0;
  let a = 0;
  for (const s of shapes) {
    if (pixelSize < s.minSize) continue;
    let coverage = Math.max(0, Math.min(1, 0.5 - s.distance(x, y) / unitsPerPixel));
    if (coverage === 0) continue;
    if (s.mask) {
      const layers = doc.masks.get(s.mask);
      if (!layers) throw new Error(`no mask #${s.mask}`);
      const [mr, mg, mb] = compose(doc, layers, x, y, unitsPerPixel, pixelSize);
      coverage *= (0.2126 * mr + 0.7152 * mg + 0.0722 * mb) / 255;
    }
    const [cr, cg, cb] = colorAt(doc, s.paint, x, y);
    r = cr * coverage + r * (1 - coverage);
    g = cg * coverage + g * (1 - coverage);
    b = cb * coverage + b * (1 - coverage);
    a = coverage + a * (1 - coverage);
  }
  return [r, g, b, a];
}

/** Renders the parsed icon at `size` x `size` pixels: straight (not premultiplied) RGBA bytes. */
export function renderIcon(doc, size) {
  const pixels = Buffer.alloc(size * size * 4);
  const unitsPerPixel = doc.size / size;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      const [r, g, b, a] = compose(doc, doc.shapes, (px + 0.5) * unitsPerPixel, (py + 0.5) * unitsPerPixel, unitsPerPixel, size);
      const i = (py * size + px) * 4;
      if (a > 0) {
        pixels[i] = Math.round(r / a);
        pixels[i + 1] = Math.round(g / a);
        pixels[i + 2] = Math.round(b / a);
        pixels[i + 3] = Math.round(a * 255);
      }
    }
  }
  return pixels;
}
