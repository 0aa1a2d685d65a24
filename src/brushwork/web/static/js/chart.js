// Loss curves on a canvas: log-scaled y, iterations on x, one line per loss term. Points are
// {iteration, level, losses: {term: value, ..., total}}; each term the run reports gets a curve.
import { el, num } from "./util.js";

const COLOURS = { content: "#3b4cca", style: "#e0662f", patch: "#9b3fb5", colour: "#c9a227", stroke: "#6b4f2a",
  range: "#d13a5c", tv: "#2e8b57", chroma_tv: "#1f9fb4", total: "#8a8f9c" };
const SPARE = ["#5a7d1a", "#b5651d", "#4a6fa5", "#a0527a", "#307070"];
const LABELS = { tv: "TV", chroma_tv: "chroma TV" };

// The series to draw: every term named in the points, in the order reported, "total" last and dashed.
export function seriesOf(points) {
  const names = [];
  for (const p of points) for (const k of Object.keys(p.losses || {})) if (!names.includes(k)) names.push(k);
  const terms = names.filter((k) => k !== "total").concat(names.includes("total") ? ["total"] : []);
  let spare = 0;
  return terms.map((key) => ({ key, label: LABELS[key] || key.replace(/_/g, " "),
    color: COLOURS[key] || SPARE[spare++ % SPARE.length], dash: key === "total" ? [4, 4] : null }));
}

export class LossChart {
  constructor(canvas, legend) {
    this.canvas = canvas;
    this.legend = legend;
    this.points = [];
    this.series = [];
    this.total = 1;
    this.hidden = new Set();
    new ResizeObserver(() => this.draw()).observe(canvas);
    this.renderLegend();
  }

  reset(total, points = []) {
    this.total = Math.max(1, total || 1);
    this.points = [];
    this.add(points);
  }

  add(points) {
    for (const p of points) {
      const last = this.points.length ? this.points[this.points.length - 1].iteration : -Infinity;
      if (p.iteration > last) this.points.push(p);
    }
    this.series = seriesOf(this.points);
    this.renderLegend();
    this.draw();
  }

  renderLegend() {
    const latest = this.points[this.points.length - 1];
    this.legend.replaceChildren(...this.series.map((s) => el("button", {
      type: "button", class: this.hidden.has(s.key) ? "off" : "", title: `show or hide the ${s.label} loss`,
      onclick: () => { this.hidden.has(s.key) ? this.hidden.delete(s.key) : this.hidden.add(s.key); this.renderLegend(); this.draw(); },
    }, el("span", { class: "swatch", style: `background:${s.color}` }), s.label,
    el("span", { class: "val", text: latest && s.key in latest.losses ? num(latest.losses[s.key]) : "" }))));
  }

  range() {
    let lo = Infinity, hi = -Infinity;
    for (const p of this.points) {
      for (const s of this.series) {
        const v = p.losses[s.key];
        if (this.hidden.has(s.key) || !(v > 0)) continue;
        lo = Math.min(lo, v); hi = Math.max(hi, v);
      }
    }
    if (!Number.isFinite(lo)) return [0, 1];
    const a = Math.floor(Math.log10(lo)), b = Math.ceil(Math.log10(hi));
    return [a, b === a ? a + 1 : b];
  }

  draw() {
    const c = this.canvas, dpr = window.devicePixelRatio || 1;
    const w = c.clientWidth, h = c.clientHeight;
    if (!w || !h) return;
    c.width = Math.round(w * dpr); c.height = Math.round(h * dpr);
    const g = c.getContext("2d");
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, w, h);
    const box = { l: 46, r: 10, t: 10, b: 24 };
    const [lo, hi] = this.range();
    const x = (i) => box.l + (w - box.l - box.r) * (i / this.total);
    const y = (v) => box.t + (h - box.t - box.b) * (1 - (Math.log10(v) - lo) / (hi - lo));
    this.grid(g, w, h, box, lo, hi, x, y);
    this.levels(g, h, box, x);
    if (!this.points.length) {
      g.fillStyle = "#9a9eab"; g.font = "13px sans-serif"; g.textAlign = "center";
      g.fillText("Loss curves appear when the run starts.", w / 2, h / 2);
      return;
    }
    for (const s of this.series) if (!this.hidden.has(s.key)) this.line(g, s, x, y);
  }

  grid(g, w, h, box, lo, hi, x, y) {
    g.font = "11px sans-serif"; g.fillStyle = "#8a8f9c"; g.strokeStyle = "#ece9e3"; g.lineWidth = 1;
    g.textAlign = "right"; g.textBaseline = "middle";
    const step = Math.max(1, Math.ceil((hi - lo) / 6));
    for (let e = lo; e <= hi; e += step) {
      const yy = Math.round(y(10 ** e)) + 0.5;
      g.beginPath(); g.moveTo(box.l, yy); g.lineTo(w - box.r, yy); g.stroke();
      g.fillText(e === 0 ? "1" : `1e${e}`, box.l - 6, yy);
    }
    g.textAlign = "center"; g.textBaseline = "top";
    for (const f of [0, 0.25, 0.5, 0.75, 1]) {
      const i = Math.round(this.total * f);
      g.fillText(String(i), Math.min(Math.max(x(i), box.l + 8), w - box.r - 10), h - box.b + 6);
    }
  }

  // A dotted line where each finer scale starts: the losses jump there, by design.
  levels(g, h, box, x) {
    g.strokeStyle = "#c9c5bd"; g.setLineDash([2, 3]); g.fillStyle = "#8a8f9c"; g.textAlign = "left"; g.textBaseline = "top";
    for (let i = 1; i < this.points.length; i++) {
      const [prev, p] = [this.points[i - 1], this.points[i]];
      if (p.level === prev.level) continue;
      const xx = Math.round(x(prev.iteration)) + 0.5;
      g.beginPath(); g.moveTo(xx, box.t); g.lineTo(xx, h - box.b); g.stroke();
      g.fillText(`scale ${p.level + 1}`, xx + 4, box.t + 2);
    }
    g.setLineDash([]);
  }

  line(g, s, x, y) {
    g.strokeStyle = s.color; g.lineWidth = 2; g.lineJoin = "round"; g.setLineDash(s.dash || []);
    g.beginPath();
    let started = false;
    for (const p of this.points) {
      const v = p.losses[s.key];
      if (!(v > 0)) { started = false; continue; }
      started ? g.lineTo(x(p.iteration), y(v)) : g.moveTo(x(p.iteration), y(v));
      started = true;
    }
    g.stroke(); g.setLineDash([]);
  }
}
