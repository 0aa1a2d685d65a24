// The history gallery: every job, newest first, with its settings and one-click re-run.
import { $, el, api, toast, when, LIVE, TRASH } from "./util.js";
import { scoreLine } from "./scores.js";

export class Gallery {
  constructor({ onOpen, onRerun, onCompare }) {
    this.onOpen = onOpen;
    this.onRerun = onRerun;
    this.picked = new Set();  // job ids ticked for the compare view
    $("compare-open").addEventListener("click", () => onCompare([...this.picked]));
    this.current = null;
    this.jobs = [];
    this.timer = null;
  }

  async refresh() {
    clearTimeout(this.timer);
    try {
      const data = await api("/api/jobs?limit=100");
      this.jobs = data.jobs;
      this.render(data.total);
      this.renderQueue(data.queue);
    } catch (e) {
      $("queue-pill").textContent = "server unreachable";
    }
    const live = this.jobs.some((j) => LIVE.includes(j.status));
    this.timer = setTimeout(() => this.refresh(), live ? 2500 : 15000);
  }

  renderQueue(q) {
    const pill = $("queue-pill");
    pill.classList.toggle("busy", q.running > 0);
    pill.textContent = q.running || q.queued
      ? `${q.running} running · ${q.queued} queued` : `idle · ${q.workers} worker${q.workers > 1 ? "s" : ""}`;
  }

  render(total) {
    $("history-count").textContent = total ? `${total} job${total > 1 ? "s" : ""}` : "";
    if (!this.jobs.length) {
      $("gallery").replaceChildren(el("p", { class: "empty", text: "Past jobs appear here, with their settings, ready to run again." }));
      return;
    }
    $("gallery").replaceChildren(...this.jobs.map((job) => this.card(job)));
    this.renderPicks();
  }

  renderPicks() {
    const n = this.picked.size, button = $("compare-open");
    button.disabled = n < 2 || n > 6;
    button.textContent = n ? `Compare ${n}` : "Compare";
    document.querySelectorAll(".job").forEach((node) => node.classList.toggle("picked", this.picked.has(node.dataset.job)));
  }

  pick(id, on) {
    if (on) this.picked.add(id); else this.picked.delete(id);
    this.renderPicks();
  }

  card(job) {
    const s = job.settings;
    const image = job.links.result ? `${job.links.result}?t=${Math.round(job.finished || 0)}` : job.links.content;
    const status = job.status === "queued" && job.position ? `queued #${job.position}` : job.status;
    const styles = job.links.styles.slice(0, 3).map((src) => el("img", { src, alt: "", loading: "lazy" }));
    const summary = `${job.preset} · ${s.size} px · ${s.iterations} it · ${s.backbone}`;
    return el("article", { class: `job${this.current === job.id ? " current" : ""}`, "data-job": job.id, "data-status": job.status },
      el("div", { class: "thumb", title: "open", onclick: () => this.onOpen(job.id) },
        el("img", { src: image, alt: "", loading: "lazy" }),
        el("span", { class: `badge ${job.status}`, text: status }),
        el("div", { class: "styles-mini" }, ...styles)),
      el("div", { class: "meta" }, el("strong", { text: when(job.created) }), " · ", summary,
        job.error && job.status === "failed" ? el("div", { text: job.error, title: job.error, class: "hint" }) : null),
      job.status === "done" ? el("div", { class: "scoreline" }, el("span", { title: "scores: lower is better", text: scoreLine(job) }),
        el("label", { class: "pick", title: "tick 2 to 6 jobs, then press Compare" },
          el("input", { type: "checkbox", checked: this.picked.has(job.id), onchange: (e) => this.pick(job.id, e.target.checked) }), "compare")) : null,
      el("div", { class: "job-actions" },
        el("button", { type: "button", class: "btn small", text: "Open", onclick: () => this.onOpen(job.id) }),
        el("button", { type: "button", class: "btn small", text: "Re-run", title: "run again with the same images and settings",
          onclick: () => this.onRerun(job) }),
        LIVE.includes(job.status) && job.status === "running" ? null :
          el("button", { type: "button", class: "icon-btn", title: "delete", "aria-label": "delete job", html: TRASH,
            onclick: () => this.remove(job) })));
  }

  async remove(job) {
    if (!confirm("Delete this job and its images?")) return;
    try {
      await api(`/api/jobs/${job.id}`, { method: "DELETE" });
      this.refresh();
    } catch (e) {
      toast(e.message, "error");
    }
  }

  highlight(id) {
    this.current = id;
    document.querySelectorAll(".job").forEach((n) => n.classList.toggle("current", n.dataset.job === id));
  }
}
