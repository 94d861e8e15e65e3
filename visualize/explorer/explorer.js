// chainrule explorer, part 3: one Pane per graph (its views, highlights and backward
// replay), the keys, and the start. Graphviz drew every view ahead of time; this recolours it.
"use strict";

const DATA = JSON.parse(document.getElementById("chainrule-data").textContent);
const ID = /^([a-z])v(\d+)([nosqebt])(\d+)(?:_(\d+|[ns]\d+))?$/;

async function gunzip(base64) {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Response(stream).text();
}

class Pane {
  constructor(spec, side) {
    Object.assign(this, {spec, side, nodes: spec.model.nodes, scopes: spec.model.scopes});
    this.root = spec.model.root;
    this.scalar = spec.model.scalar;
    this.children = this.nodes.map(() => []);  // [child, input position] for every use
    this.nodes.forEach((node, i) => node.parents.forEach((p, k) => this.children[p].push([i, k])));
    this.stack = [0];  // the views opened, the whole graph first
    this.shown = new Map();  // view number -> its drawn holder, svg and element maps
    this.viewOf = new Map(spec.views.map((view, i) => [view.scope, i]));
    this.step = this.nodes.length;  // backward replay: how many nodes have their grad
    this.lit = {nodes: new Set(), edges: new Set()};
    this.selected = null;
    this.scale = 1;
    this.build();
  }

  name(i) {
    const node = this.nodes[i];
    return node.name || (node.op ? `${node.opText}#${i}` : `#${i}`);
  }

  build() {
    this.box = el("section", {class: "pane", "data-side": this.side});
    const bar = el("div", {class: "bar"});
    this.crumbs = el("span", {class: "crumbs"});
    this.counter = el("span", {class: "counter"});
    const button = (text, title, action) => {
      const b = el("button", {title}, text);
      b.addEventListener("click", () => { activate(this); action(); });
      return b;
    };
    bar.append(el("span", {class: "title"}, this.spec.title), this.crumbs, el("span", {class: "spacer"}),
      button("reset", "reset: no gradients yet (Home)", () => this.setStep(0)),
      button("◀", "undo one step (←)", () => this.setStep(this.step - 1)),
      button("step ▶", "backward: compute the next node's gradient (→)", () => this.setStep(this.step + 1)),
      button("all", "all steps (End)", () => this.setStep(this.nodes.length)),
      this.counter,
      button("−", "zoom out", () => this.zoom(this.scale / 1.25)),
      button("+", "zoom in", () => this.zoom(this.scale * 1.25)),
      button("fit", "fit the view to the pane", () => this.zoom(0)));
    this.graph = el("div", {class: "graph"});
    this.graph.addEventListener("click", (event) => this.click(event));
    this.graph.addEventListener("mouseover", (event) => this.hover(event));
    this.box.append(bar, this.graph);
  }

  // Show a view; each is unpacked and indexed once, then kept in the page (hidden with
  // content-visibility, which keeps its layout), so going back to it costs no re-layout.
  async show(view) {
    this.box.dataset.busy = "1";
    const record = await this.prepare(view);
    const first = record.scale === undefined;
    Object.assign(this, record);
    this.view = view;
    for (const [v, other] of this.shown) other.holder.classList.toggle("off", v !== view);
    if (first) this.zoom(0); else this.scale = record.scale;
    this.crumbs.replaceChildren(...this.stack.flatMap((v, depth) => {
      const scope = this.spec.views[v].scope;
      const text = scope === null ? "whole graph" : this.scopes[scope].title;
      if (depth === this.stack.length - 1) return [depth ? " › " : "", el("b", {}, text)];
      const link = el("a", {}, text);
      link.addEventListener("click", () => this.open(this.stack.slice(0, depth + 1)));
      return [depth ? " › " : "", link];
    }));
    this.paint();
    this.box.dataset.view = String(view);
    delete this.box.dataset.busy;
    this.prefetch([...this.drawn.s.keys()].map((scope) => this.viewOf.get(scope)));
  }

  // Unpack, parse and index a view once (hidden until shown).
  async prepare(view) {
    if (!this.shown.has(view)) {
      const spec = this.spec.views[view];
      const text = spec.svg !== undefined ? spec.svg : await gunzip(spec.gz);
      if (!this.shown.has(view)) {  // another call may have prepared it meanwhile
        const holder = el("div", {class: "view off"});
        holder.innerHTML = text;
        this.graph.append(holder);
        this.shown.set(view, this.index(holder, view));
      }
    }
    return this.shown.get(view);
  }

  // While the page is idle, prepare the views of the calls drawn here, one at a time.
  prefetch(views) {
    const idle = window.requestIdleCallback || ((f) => setTimeout(f, 50));
    const next = () => {
      while (views.length && this.shown.has(views[0])) views.shift();
      if (views.length) idle(() => this.prepare(views.shift()).then(next));
    };
    next();
  }

  open(stack) { this.stack = stack; return this.show(stack[stack.length - 1]); }

  // Map a view's elements (node, op, input edge, folded call) by the ids explore_views wrote,
  // and where each node is seen there: itself, or the folded call holding it.
  index(holder, view) {
    const svg = holder.querySelector("svg");
    const outputs = new Map(this.spec.views[view].calls);
    const drawn = {n: new Map(), o: new Map(), q: new Map(), e: new Map(), s: new Map(), b: new Map()};
    for (const g of svg.querySelectorAll("g[id]")) {
      const m = ID.exec(g.id);
      if (!m) continue;
      const [, , , type, a, b] = m;
      if (type === "e") drawn.e.set(`${a}_${b}`, g);
      else if (type === "b") drawn.b.set(`${a}_${b}`, g);
      else if (type in drawn) drawn[type].set(Number(a), g);
      if (type === "n" || type === "s") {  // a folded call shows its output's grad, if one
        g.output = type === "n" ? Number(a) : outputs.get(Number(a));
        g.gradTexts = [...g.querySelectorAll("text")].filter((t) => t.textContent.startsWith("grad "));
        g.gradTexts.forEach((t) => { t.dataset.text = t.textContent; t.classList.add("grad"); });
      }
    }
    const seen = this.nodes.map((node, i) => {
      if (drawn.n.has(i)) return ["n", i];
      for (let s = node.scope; s !== undefined && s !== null; s = this.scopes[s].parent) {
        if (drawn.s.has(s)) return ["s", s];
      }
      return null;
    });
    return {holder, svg, drawn, seen, size: [svg.width.baseVal.value, svg.height.baseVal.value]};
  }

  element([type, key]) { return this.drawn[type].get(key); }

  // The drawn edge that carries parent -> child (input k), if both ends are seen apart.
  edge(child, k) {
    const a = this.seen[this.nodes[child].parents[k]], b = this.seen[child];
    if (!a || !b || (a[0] === b[0] && a[1] === b[1])) return null;
    return b[0] === "n" ? this.drawn.e.get(`${child}_${k}`) : this.drawn.b.get(`${b[1]}_${a[0]}${a[1]}`);
  }

  click(event) {
    const g = event.target.closest("g[id]");
    const m = g && ID.exec(g.id);
    activate(this);
    if (!m) return this.select(null);
    const [, , , type, a] = m;
    if (type === "s") return this.open([...this.stack, this.viewOf.get(Number(a))]);
    if (type === "n" || type === "o") this.select(Number(a));
  }

  // Hovering shows a node's details while nothing is selected (a click pins them).
  hover(event) {
    if (this.selected !== null || panes.some((p) => p.selected !== null)) return;
    const g = event.target.closest("g[id]");
    const m = g && ID.exec(g.id);
    if (m && (m[3] === "n" || m[3] === "o") && panel.dataset.node !== `${this.side}${m[4]}`) {
      showDetails(this, Number(m[4]));
    }
  }

  select(i) {
    this.selected = i;
    this.lit = {nodes: new Set(), edges: new Set()};
    if (i !== null) {
      const node = this.nodes[i];
      if (!node.parents.length && i !== this.root) {
        this.chain = chainPaths(this.nodes, this.root, i, DATA.maxPaths);
        if (!this.scalar) this.chain.paths = [];
        this.highlight(this.chain.nodes, this.chain.edges, false);
      } else {
        this.chain = null;
        this.highlight([i, ...this.children[i].map(([c]) => c)], this.children[i], false);
      }
    }
    this.paint();
    showDetails(this, i);
    if (i !== null) pairWith(this, i);
  }

  highlight(nodes, edges, paint = true) {
    this.lit = {nodes: new Set(nodes), edges: new Set(edges.map(([c, k]) => `${c}_${k}`))};
    if (paint) this.paint();
  }

  setStep(step) {
    this.step = Math.max(0, Math.min(this.nodes.length, step));
    this.paint();
    const current = this.nodes.length - this.step;
    if (this.step > 0 && this.step < this.nodes.length) showDetails(this, current, true);
  }

  filled(i) { return i >= this.nodes.length - this.step; }

  // Recolour the drawn view from the state: highlights, pairs and the replay's progress.
  paint() {
    if (!this.svg) return;
    for (const g of this.svg.querySelectorAll(".lit, .selected, .current, .pending, .paired")) {
      g.classList.remove("lit", "selected", "current", "pending", "paired");
    }
    const mark = (where, name) => { const g = where && this.element(where); if (g) g.classList.add(name); };
    for (const i of this.lit.nodes) mark(this.seen[i], "lit");
    for (const key of this.lit.edges) {
      const [c, k] = key.split("_").map(Number);
      const g = this.edge(c, k);
      if (g) g.classList.add("lit");
      if (this.seen[c] && this.seen[c][0] === "n") {  // the op and its arrow to the result
        for (const part of [this.drawn.o.get(c), this.drawn.q.get(c)]) if (part) part.classList.add("lit");
      }
    }
    if (this.selected !== null) mark(this.seen[this.selected], "selected");
    if (this.paired !== undefined && this.paired !== null) mark(this.seen[this.paired], "paired");
    const n = this.nodes.length;
    if (this.step < n) {
      this.nodes.forEach((node, i) => { if (!this.filled(i)) mark(this.seen[i], "pending"); });
      const current = this.step > 0 && this.seen[n - this.step] && this.element(this.seen[n - this.step]);
      if (current) {
        current.classList.add("current");
        current.scrollIntoView({block: "nearest", inline: "nearest"});
      }
    }
    for (const g of [...this.drawn.n.values(), ...this.drawn.s.values()]) {
      if (g.output === null || g.output === undefined) continue;
      const done = this.filled(g.output);
      if (g.done === done) continue;  // rewriting SVG text re-lays it out: only on change
      g.done = done;
      g.gradTexts.forEach((t) => { t.textContent = done ? t.dataset.text : "grad ?"; });
    }
    this.counter.textContent = `backward ${this.step}/${n}`;
    this.box.dataset.step = String(this.step);
  }

  zoom(scale) {
    const [w, h] = this.size;
    // 0 fits the view's width into the pane (tall views scroll down), but not below 60%:
    // smaller text is unreadable, and a wide view scrolls sideways instead.
    this.scale = scale || Math.max(0.6, Math.min(1, (this.graph.clientWidth - 16) / w));
    this.svg.style.width = `${w * this.scale}px`;
    this.svg.style.height = `${h * this.scale}px`;
  }
}

const panes = DATA.panes.map((spec, i) => new Pane(spec, "ab"[i]));
let active = panes[0];

function activate(pane) {
  active = pane;
  panes.forEach((p) => p.box.classList.toggle("active", p === pane));
}

// Compare: a leaf selected in one graph is picked out in the other by name and shape.
function pairWith(pane, i) {
  if (panes.length < 2) return;
  const other = panes[1 - panes.indexOf(pane)];
  const pair = DATA.pairs.find((p) => p[pane.side] === i);
  other.paired = pair ? pair[other.side] : null;
  pane.paired = null;
  other.paint();
}

document.addEventListener("keydown", (event) => {
  const keys = {ArrowRight: 1, n: 1, ArrowLeft: -1, p: -1};
  if (event.key in keys) active.setStep(active.step + keys[event.key]);
  else if (event.key === "Home") active.setStep(0);
  else if (event.key === "End") active.setStep(active.nodes.length);
  else if (event.key === "Escape") {
    if (active.selected !== null) active.select(null);
    else if (active.stack.length > 1) active.open(active.stack.slice(0, -1));
  } else return;
  event.preventDefault();
});

const holder = document.getElementById("panes");
panes.forEach((pane) => holder.append(pane.box));
activate(panes[0]);
// Ready once the first views are painted: the mark holds the milliseconds since navigation.
Promise.all(panes.map((pane) => pane.show(0))).then(() => requestAnimationFrame(() => setTimeout(() => {
  document.body.dataset.ready = String(Math.round(performance.now()));
})));
