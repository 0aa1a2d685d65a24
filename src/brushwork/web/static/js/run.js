// The run panel: one job at a time, live through server-sent events, then its result.
import { LossChart } from "./chart.js";
import { $, el, api, num, seconds, LIVE } from "./util.js";
import { pollScores, scoreTable } from "./scores.js";

export class RunView {
  constructor({ onChange, onUseContent, onLoadSettings, onRerun }) {
    this.chart = new LossChart($("chart"), $("legend"));
    this.job = null;
    this.source = null;
    this.onChange = onChange;
    $("cancel").addEventListener("click", () => this.cancel());
    const withJob = (fn) => () => { if (this.job) fn(this.job); };  // nothing to act on in a fresh studio
    $("use-content").addEventListener("click", withJob((job) => { if (job.links.result) onUseContent(job); }));
    $("load-settings").addEventListener("click", withJob(onLoadSettings));
    $("rerun").addEventListener("click", withJob(onRerun));
  }

  // Show a job: stream it when it is live, else draw its stored curve and result.
  async open(jobOrId) {
    const job = typeof jobOrId === "string" ? await api(`/api/jobs/${jobOrId}`) : jobOrId;
    this.close();
    this.job = job;
    this.chart.reset(job.total, job.curve || []);
    this.setPreview(null);
    this.render();
    if (LIVE.includes(job.status)) this.watch(job);
    else if (!job.curve) api(job.links.self).then((full) => { if (this.job && this.job.id === full.id) this.chart.reset(full.total, full.curve); });
  }

  watch(job) {
    const source = new EventSource(job.links.events);
    this.source = source;
    source.addEventListener("progress", (e) => {
      const data = JSON.parse(e.data);
      this.chart.add(data.points);
      const last = data.points[data.points.length - 1];
      if (last && this.job) Object.assign(this.job, { iteration: last.iteration, level: data.level, levels: data.levels, status: "running" });
      this.renderProgress();
    });
    source.addEventListener("preview", (e) => {
      const data = JSON.parse(e.data);
      this.setPreview(data.image, `Live preview · iteration ${data.iteration}`);
    });
    source.addEventListener("state", (e) => {
      const before = this.job && this.job.status;
      this.job = { ...JSON.parse(e.data), curve: null };
      if (this.job.status === "queued") this.chart.reset(this.job.total);  // (re)queued: starts afresh
      this.render();
      if (before !== this.job.status) this.onChange(this.job);
    });
    source.addEventListener("end", () => this.close());
  }

  close() {
    if (this.source) this.source.close();
    this.source = null;
  }

  async cancel() {
    if (!this.job) return;
    $("cancel").disabled = true;
    try {
      await api(`/api/jobs/${this.job.id}/cancel`, { method: "POST" });
    } finally {
      $("cancel").disabled = false;
    }
  }

  setPreview(src, caption = "Live preview") {
    this.previewSrc = src;
    if (src && this.job && !this.job.links.result) {
      const live = document.getElementById("result-image");
      if (live) live.src = src; else this.renderResult();
    }
    const img = $("preview");
    if (src) img.src = src;
    img.hidden = !src;
    $("preview-empty").hidden = !!src;
    $("preview-caption").textContent = caption;
  }

  render() {
    const job = this.job;
    const names = job.names || {};
    const styles = Object.keys(names).filter((k) => k.startsWith("style-")).map((k) => names[k]);
    $("run-title").textContent = `${names.content || "content"} × ${styles.join(" + ") || "style"}`;
    const badge = $("run-status");
    badge.hidden = false;
    badge.className = `badge ${job.status}`;
    badge.textContent = job.status === "queued" && job.position ? `queued · #${job.position}` : job.status;
    $("cancel").hidden = !LIVE.includes(job.status);
    $("run-error").hidden = !(job.error && job.status === "failed");
    $("run-error").textContent = job.error || "";
    this.renderProgress();
    this.renderResult();
  }

  renderProgress() {
    const job = this.job;
    const pct = job.total ? Math.min(100, (100 * (job.iteration || 0)) / job.total) : 0;
    $("progress-bar").style.width = `${job.status === "done" ? 100 : pct}%`;
    const parts = [];
    if (job.status === "queued") parts.push(job.position ? `Waiting: position ${job.position} in the queue` : "Waiting to start");
    else parts.push(`Iteration ${job.iteration || 0} / ${job.total}`);
    if (job.status === "running" && job.levels > 1) parts.push(`scale ${job.level + 1} of ${job.levels}`);
    const s = job.settings;
    parts.push(`${s.size} px · ${s.backbone} · ${job.preset}`);
    if (job.status === "done") parts.push(`done in ${seconds(job.elapsed)}`);
    if (job.status === "cancelled") parts.push("cancelled");
    if (job.losses && job.status !== "queued") parts.push(`loss ${num(job.losses.total)}`);
    $("run-sub").textContent = parts.join(" · ");
  }

  // content | style(s) | result; while running the result slot shows the live preview.
  renderResult() {
    const job = this.job;
    const has = !!job.links.result;
    const stamp = job.finished ? `?t=${Math.round(job.finished)}` : "";
    const names = job.names || {};
    const figure = (src, caption, id) => el("figure", {}, src ? el("img", { src, alt: caption, id })
      : el("div", { class: "frame" }, el("span", { class: "empty", text: "the result appears here" })),
      el("figcaption", { text: caption }));
    const styles = el("figure", {}, el("div", { class: "styles" }, ...job.links.styles.map((src) => el("img", { src, alt: "style" }))),
      el("figcaption", { text: job.links.styles.length > 1 ? `${job.links.styles.length} styles` : names["style-0"] || "style" }));
    let label = "result";
    if (job.status === "cancelled") label = `result (cancelled at iteration ${job.iteration})`;
    else if (!has) label = job.status === "failed" ? "no result" : "painting…";
    const src = has ? job.links.result + stamp : this.previewSrc;
    $("triptych").replaceChildren(figure(job.links.content, names.content || "content"), styles,
      figure(src, label, "result-image"));
    $("result").classList.toggle("pending", !has);
    this.renderScores();
    if (!has) return;
    $("download").href = job.links.download;
    $("download").setAttribute("download", `brushwork-${job.id}.png`);
    if (!this.source) this.setPreview(job.links.result + stamp, `Result · ${job.iteration} iterations`);
  }

  // The scores come a little after the result; ask until they are there.
  renderScores() {
    const job = this.job;
    $("scores").replaceChildren(...[scoreTable(job)].filter(Boolean));
    if (job.status !== "done" || job.scores || this.polling === job.id) return;
    this.polling = job.id;
    pollScores(job.id, (fresh) => {
      if (this.job && this.job.id === fresh.id) { this.job.scores = fresh.scores; this.renderScores(); }
    }).finally(() => { if (this.polling === job.id) this.polling = null; });
  }

}
