// The compare view: 2 to 6 jobs side by side with zoom and pan kept in step, the settings that
// differ, their scores, their loss curves overlaid, and an export as one PNG (drawn by the server).
import { $, el, api, num, toast } from "./util.js";
import { SCORES } from "./scores.js";

const COLOURS = ["#3b4cca", "#e0662f", "#2e8b57", "#b03a8c", "#c9a227", "#2b9fb3"];
const show = (v) => (v === null || v === undefined ? "–" : Array.isArray(v) ? v.join(",") : String(v));

export class CompareView {
  constructor() {
    this.view = { scale: 1, x: 0, y: 0 };
    $("compare-close").addEventListener("click", () => this.close());
    document.addEventListener("keydown", (e) => { if (e.key === "Escape" && !$("compare").hidden) this.close(); });
    new ResizeObserver(() => this.jobs && this.drawCurves()).observe($("cmp-chart"));
  }

  async open(ids) {
    try {
      const data = await api(`/api/compare?ids=${ids.join(",")}`);
      this.jobs = data.jobs;
      this.differences = data.differences;
    } catch (e) {
      toast(e.message, "error");
      return;
    }
    this.view = { scale: 1, x: 0, y: 0 };
    $("compare-export").href = `/api/compare.png?ids=${ids.join(",")}`;
    $("compare").hidden = false;
    document.body.classList.add("comparing");
    this.renderResults();
    this.renderTables();
    this.drawCurves();
  }

  close() {
    $("compare").hidden = true;
    document.body.classList.remove("comparing");
  }

  renderResults() {
    $("cmp-results").style.setProperty("--n", this.jobs.length);
    $("cmp-results").replaceChildren(...this.jobs.map((job, i) => {
      const img = el("img", { src: job.links.result || job.links.content, alt: `result of ${job.id}`, draggable: "false" });
      const frame = el("div", { class: "cmp-frame" }, img);
      this.wireFrame(frame);
      return el("figure", { class: "cmp-cell" }, frame, el("figcaption", {},
        el("span", { class: "swatch", style: `background:${COLOURS[i]}` }), `${job.id.slice(0, 8)} · ${job.preset}`,
        job.links.result ? null : el("span", { class: "hint", text: " (no result)" })));
    }));
    this.apply();
  }

  // Zoom (wheel, about the pointer) and pan (drag) one frame; every frame follows. Double-click resets.
  wireFrame(frame) {
    frame.addEventListener("wheel", (e) => {
      e.preventDefault();
      const r = frame.getBoundingClientRect(), v = this.view;
      const scale = Math.min(16, Math.max(1, v.scale * Math.exp(-e.deltaY * 0.0015)));
      const cx = e.clientX - r.left, cy = e.clientY - r.top;
      this.view = { scale, x: cx - ((cx - v.x) * scale) / v.scale, y: cy - ((cy - v.y) * scale) / v.scale };
      this.apply();
    }, { passive: false });
    frame.addEventListener("pointerdown", (e) => {
      frame.setPointerCapture(e.pointerId);
      const start = { x: e.clientX - this.view.x, y: e.clientY - this.view.y };
      const move = (m) => { this.view = { ...this.view, x: m.clientX - start.x, y: m.clientY - start.y }; this.apply(); };
      frame.addEventListener("pointermove", move);
      frame.addEventListener("pointerup", () => frame.removeEventListener("pointermove", move), { once: true });
    });
    frame.addEventListener("dblclick", () => { this.view = { scale: 1, x: 0, y: 0 }; this.apply(); });
  }

  apply() {
    const { scale, x, y } = this.view;
    document.querySelectorAll("#cmp-results img").forEach((img) => { img.style.transform = `translate(${x}px, ${y}px) scale(${scale})`; });
    $("cmp-zoom").textContent = `${Math.round(scale * 100)}%`;
  }

  renderTables() {
    const head = el("tr", {}, el("th", { text: "" }), ...this.jobs.map((j, i) =>
      el("th", {}, el("span", { class: "swatch", style: `background:${COLOURS[i]}` }), j.id.slice(0, 8))));
    const diffs = Object.entries(this.differences);
    const diffRows = diffs.length ? diffs.map(([name, values]) => el("tr", {}, el("th", { text: name }),
      ...values.map((v) => el("td", { text: show(v) }))))
      : [el("tr", {}, el("td", { colspan: this.jobs.length + 1, class: "hint", text: "The settings are the same; only the images differ." }))];
    $("cmp-settings").replaceChildren(el("thead", {}, head.cloneNode(true)), el("tbody", {}, ...diffRows));
    $("cmp-scores").replaceChildren(el("thead", {}, head), el("tbody", {}, ...Object.keys(SCORES).map((name) => {
      const values = this.jobs.map((j) => (j.scores && j.scores.scores ? j.scores.scores[name] : null));
      const best = Math.min(...values.filter((v) => v !== null && v !== undefined));
      return el("tr", { title: SCORES[name] }, el("th", { text: name.replace("_", " ") }),
        ...values.map((v) => el("td", { class: v === best && values.length > 1 ? "best" : "", text: v === null || v === undefined ? "…" : num(v) })));
    })));
  }

  // Total loss of each job against its iterations, log-scaled, in the job's colour.
  drawCurves() {
    const c = $("cmp-chart"), dpr = window.devicePixelRatio || 1, w = c.clientWidth, h = c.clientHeight;
    if (!w || !h) return;
    c.width = Math.round(w * dpr); c.height = Math.round(h * dpr);
    const g = c.getContext("2d");
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, w, h);
    const curves = this.jobs.map((j) => (j.curve || []).filter((p) => p.losses.total > 0).map((p) => [p.iteration, p.losses.total]));
    const values = curves.flat().map((p) => p[1]);
    if (!values.length) return;
    const lo = Math.floor(Math.log10(Math.min(...values))), hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(...values))));
    const last = Math.max(1, ...curves.flat().map((p) => p[0]));
    const box = { l: 46, r: 10, t: 10, b: 22 };
    const x = (i) => box.l + ((w - box.l - box.r) * i) / last;
    const y = (v) => box.t + (h - box.t - box.b) * (1 - (Math.log10(v) - lo) / (hi - lo));
    g.font = "11px sans-serif"; g.fillStyle = "#8a8f9c"; g.strokeStyle = "#ece9e3"; g.textAlign = "right"; g.textBaseline = "middle";
    for (let e = lo; e <= hi; e++) {
      g.beginPath(); g.moveTo(box.l, y(10 ** e)); g.lineTo(w - box.r, y(10 ** e)); g.stroke();
      g.fillText(`1e${e}`, box.l - 6, y(10 ** e));
    }
    g.textAlign = "center"; g.textBaseline = "top";
    g.fillText(`iteration (0 to ${last}) · total loss`, w / 2, h - box.b + 6);
    curves.forEach((points, i) => {
      g.strokeStyle = COLOURS[i]; g.lineWidth = 2; g.beginPath();
      points.forEach(([it, v], k) => (k ? g.lineTo(x(it), y(v)) : g.moveTo(x(it), y(v))));
      g.stroke();
    });
  }
}
