// chainrule explorer, part 1: numbers, arrays and the chain rule's sums (no DOM state).
"use strict";

// A number as visualize.label.number writes it: Python's "%.4g".
function fmt(x) {
  if (x === null || x === undefined) return "None";
  x = Number(x);
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0" : "0";
  const exponent = Number(x.toExponential(3).split("e")[1]);
  if (exponent < -4 || exponent >= 4) {
    let [mantissa, power] = x.toExponential(3).split("e");
    mantissa = mantissa.includes(".") ? mantissa.replace(/\.?0+$/, "") : mantissa;
    const sign = power[0] === "-" ? "-" : "+";
    return mantissa + "e" + sign + power.replace(/^[+-]/, "").padStart(2, "0");
  }
  const text = x.toPrecision(4);
  return text.includes(".") ? text.replace(/\.?0+$/, "") : text;
}

// Two floats equal up to rounding in sums of products (relative 1e-9, or both tiny).
function close(a, b) {
  a = Number(a); b = Number(b);
  if (a === b) return true;
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value; else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
};

// An array from explore_data.array: a real matrix up to 64 entries, else a heat map.
function arrayView(a) {
  if (a === null || a === undefined) return el("span", {class: "note"}, "None (no gradient)");
  if (typeof a !== "object") return el("span", {class: "eq"}, fmt(a));
  const shape = a.shape.length ? a.shape.join("×") : "scalar";
  const box = el("div", {class: "array"}, el("div", {class: "note"}, `${shape} ${a.dtype}`));
  if (a.text !== undefined) {
    box.append(el("div", {class: "eq"}, a.text));
  } else if (a.values) {
    const table = el("table", {class: "matrix"});
    for (let r = 0; r < a.rows; r++) {
      const row = el("tr");
      for (let c = 0; c < a.cols; c++) row.append(el("td", {}, fmt(a.values[r * a.cols + c])));
      table.append(row);
    }
    box.append(table);
  } else {
    box.append(heatMap(a.heat),
      el("div", {class: "note"}, `min ${fmt(a.min)}  mean ${fmt(a.mean)}  max ${fmt(a.max)}`));
  }
  return box;
}

// Block means in -100..100: blue below zero, white at zero, red above.
function heatMap(heat) {
  const cell = Math.max(3, Math.floor(144 / Math.max(heat.rows, heat.cols)));
  const canvas = el("canvas", {class: "heat", width: heat.cols * cell, height: heat.rows * cell});
  const ctx = canvas.getContext("2d");
  heat.cells.forEach((v, i) => {
    const t = Math.abs(v) / 100, fade = Math.round(255 * (1 - t));
    ctx.fillStyle = v >= 0 ? `rgb(255,${fade},${fade})` : `rgb(${fade},${fade},255)`;
    ctx.fillRect((i % heat.cols) * cell, Math.floor(i / heat.cols) * cell, cell, cell);
  });
  return canvas;
}

// d(root)/d(leaf) as visualize.chain computes it: the nodes and edges on some
// leaf -> root path, the number of paths, their sum (backprop restricted to them)
// and the first `limit` paths with their products of local derivatives.
// Nodes are numbered topologically (parents first), so one pass up and one down suffice.
// Tensor nodes carry Jacobian shapes, not numbers: then only the lit paths are found.
function chainPaths(nodes, root, leaf, limit = 50) {
  const scalar = nodes[root].local !== undefined;
  const n = nodes.length, on = new Uint8Array(n), count = new Float64Array(n);
  on[leaf] = 1; count[leaf] = 1;
  const edges = [];
  for (let i = leaf + 1; i < n; i++) {
    nodes[i].parents.forEach((p, k) => {
      if (on[p]) { on[i] = 1; count[i] += count[p]; edges.push([i, k]); }
    });
  }
  const adjoint = new Float64Array(n);
  adjoint[root] = 1;
  for (let i = root; scalar && i > leaf; i--) {
    if (!on[i] || !adjoint[i]) continue;
    nodes[i].parents.forEach((p, k) => {
      if (on[p]) adjoint[p] += adjoint[i] * Number(nodes[i].local[k]);
    });
  }
  const paths = [];
  const stack = on[root] && scalar ? [{node: root, steps: []}] : [];
  while (stack.length && paths.length < limit) {
    const {node, steps} = stack.pop();
    if (node === leaf) {
      const product = steps.reduce((acc, s) => acc * Number(nodes[s.child].local[s.k]), 1);
      paths.push({steps: steps.slice().reverse(), product});
      continue;
    }
    const parents = nodes[node].parents;
    for (let k = parents.length - 1; k >= 0; k--) {
      if (on[parents[k]]) stack.push({node: parents[k], steps: [...steps, {child: node, k}]});
    }
  }
  const onNodes = [];
  on.forEach((v, i) => { if (v) onNodes.push(i); });
  return {nodes: onNodes, edges, count: count[root], total: on[root] ? adjoint[leaf] : 0, paths};
}
