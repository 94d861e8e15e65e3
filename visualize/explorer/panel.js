// chainrule explorer, part 2: the details panel (a node's numbers, its chain-rule step,
// a leaf's paths, and in a comparison both gradients). It reads the panes, never changes them
// except to light what a hovered line names.
"use strict";

const panel = document.getElementById("panel");

function showDetails(pane, i, replay = false) {
  if (i === null) {
    panel.replaceChildren(el("p", {class: "hint"}, "Nothing selected."));
    delete panel.dataset.node;
    return;
  }
  const node = pane.nodes[i], parts = [];
  const kind = node.op ? `${node.opText}${node.ctx ? ` (${node.ctx})` : ""}` : node.kind;
  parts.push(el("h2", {}, `${pane.name(i)}`), el("div", {class: "note"},
    `${replay ? `backward step ${pane.step}: ` : ""}${node.op ? "op " : ""}${kind} · node #${i}` +
    `${panes.length > 1 ? ` · ${pane.spec.title}` : ""}`));
  parts.push(el("h3", {}, "data"), arrayView(node.data), el("h3", {}, "grad"), arrayView(node.grad));
  parts.push(...gradSteps(pane, i));
  if (node.op) parts.push(...passesBack(pane, i));
  if (pane.chain && pane.selected === i) parts.push(...pathList(pane, i));
  const pair = panes.length > 1 && DATA.pairs.find((p) => p[pane.side] === i);
  if (pair) parts.push(...compareGrads(pair));
  panel.replaceChildren(...parts);
  panel.dataset.node = `${pane.side}${i}`;
}

// Hovering a line of the panel lights the nodes and the edge it speaks of.
function pointTo(pane, row, nodes, edges) {
  row.addEventListener("mouseenter", () => {
    row.saved = pane.lit;
    pane.highlight(nodes, edges);
  });
  row.addEventListener("mouseleave", () => { pane.lit = row.saved; pane.paint(); });
  return row;
}

// How node i's grad was made: grad(i) += d child / d i × grad(child), over its children.
function gradSteps(pane, i) {
  const node = pane.nodes[i], out = [el("h3", {}, "chain rule: how its grad was made")];
  if (i === pane.root) {
    out.push(el("p", {class: "eq"}, `grad(${pane.name(i)}) = 1   (backward starts here: d out / d out)`));
    return out;
  }
  if (!pane.scalar) {
    // The Jacobian-vector product of each use, with the upstream grad it multiplies.
    for (const [c, k] of pane.children[i]) {
      const jac = pane.nodes[c].jacobians[k].join("×");
      out.push(pointTo(pane, el("div", {class: "term"},
        el("p", {class: "eq"}, `grad(${pane.name(i)}) += J(${pane.name(c)}, ${pane.name(i)})ᵀ · grad(${pane.name(c)})   [Jacobian ${jac}], where grad(${pane.name(c)}) =`),
        arrayView(pane.nodes[c].grad)), [i, c], [[c, k]]));
    }
    out.push(el("p", {class: "note"}, `summed over its ${pane.children[i].length} use(s): the grad above.`));
    return out;
  }
  let sum = 0;
  for (const [c, k] of pane.children[i]) {
    const d = Number(pane.nodes[c].local[k]), g = Number(pane.nodes[c].grad), term = d * g;
    sum += term;
    out.push(pointTo(pane, el("p", {class: "eq term"},
      `grad(${pane.name(i)}) += ∂${pane.name(c)}/∂${pane.name(i)} × grad(${pane.name(c)}) = ${fmt(d)} × ${fmt(g)} = ${fmt(term)}`), [i, c], [[c, k]]));
  }
  const ok = close(sum, node.grad);
  out.push(el("p", {class: "eq"}, `sum over ${pane.children[i].length} use(s) = ${fmt(sum)} `,
    el("span", {class: ok ? "ok" : "bad"}, ok ? "= grad ✓" : `≠ grad ${fmt(node.grad)}`)));
  return out;
}

// What node i passes to each input: grad(input) += d i / d input × grad(i).
function passesBack(pane, i) {
  const node = pane.nodes[i], out = [el("h3", {}, "what it passes back to its inputs")];
  node.parents.forEach((p, k) => {
    out.push(pointTo(pane, el("p", {class: "eq"}, pane.scalar
      ? `grad(${pane.name(p)}) += ${fmt(node.local[k])} × ${fmt(node.grad)} = ${fmt(Number(node.local[k]) * Number(node.grad))}`
      : `grad(${pane.name(p)}) += J(${pane.name(i)}, ${pane.name(p)})ᵀ · grad(${pane.name(i)})   [Jacobian ${node.jacobians[k].join("×")}]`), [i, p], [[i, k]]));
  });
  return out;
}

// Every path leaf -> root (the first maxPaths of them), each with its product.
function pathList(pane, leaf) {
  const chain = pane.chain, out = [el("h3", {}, `${chain.count} path(s) to the output`)];
  if (!pane.scalar) {
    out.push(el("p", {class: "note"}, "Tensor edges carry Jacobians, not numbers: the paths are lit; the grad above is their sum."));
    return out;
  }
  const table = el("table", {class: "paths"});
  chain.paths.forEach((path, n) => {
    const text = [pane.name(leaf), ...path.steps.map((s) =>
      ` -[${pane.nodes[s.child].opText} ×${fmt(pane.nodes[s.child].local[s.k])}]→ ${pane.name(s.child)}`)].join("");
    const row = el("tr", {class: "path", "data-product": String(path.product)},
      el("td", {}, `${n + 1}`), el("td", {class: "eq"}, text), el("td", {class: "eq"}, fmt(path.product)));
    row.addEventListener("mouseenter", () => pane.highlight([leaf, ...path.steps.map((s) => s.child)], path.steps.map((s) => [s.child, s.k])));
    row.addEventListener("mouseleave", () => pane.highlight(chain.nodes, chain.edges));
    table.append(row);
  });
  out.push(table);
  if (chain.count > chain.paths.length) out.push(el("p", {class: "note"}, `… ${chain.count - chain.paths.length} more path(s) not listed`));
  const ok = close(chain.total, pane.nodes[leaf].grad);
  out.push(el("p", {class: "eq sum"}, `sum over all paths = ${fmt(chain.total)} `,
    el("span", {class: ok ? "ok" : "bad"}, ok ? `= ${pane.name(leaf)}.grad ✓` : `≠ ${pane.name(leaf)}.grad ${fmt(pane.nodes[leaf].grad)}`)));
  return out;
}

function compareGrads(pair) {
  const [a, b] = panes;
  const side = (pane, i) => el("div", {}, el("div", {class: "note"}, pane.spec.title),
    arrayView(pane.nodes[i].grad));
  return [el("h3", {}, "the two gradients"),
    el("div", {class: "pair"}, side(a, pair.a), side(b, pair.b)),
    el("div", {class: "note"}, `difference (${a.spec.title} − ${b.spec.title}), largest |Δ| = ${fmt(pair.maxDiff)}`),
    arrayView(pair.diff)];
}
