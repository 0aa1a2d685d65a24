// Scores of finished jobs (computed by the server in the background; lower is better for all).
import { el, api, num } from "./util.js";

export const SCORES = {
  content: "content: EfficientNet-Lite2 features vs the photo",
  style: "style: EfficientNet-Lite2 Gram matrices vs the painting(s)",
  colour: "colour: sliced Wasserstein distance of pixel colours vs the painting(s), 8-bit levels",
  random_content: "content on a fixed random network",
  random_style: "style (Gram) on a fixed random network",
  speckle: "colour speckle: chroma over luminance fine detail",
  coherence: "stroke coherence gap to the painting",
};
export const HEADLINE = ["style", "content", "colour"];

// "style 0.62 · content 1.2 · colour 16.6", or where the scores stand.
export function scoreLine(job) {
  if (job.status !== "done") return "";
  if (!job.scores) return "scoring…";
  if (job.scores.error) return "no scores";
  return HEADLINE.map((k) => `${k} ${num(job.scores.scores[k])}`).join(" · ");
}

export function scoreTable(job) {
  if (job.status !== "done") return null;
  const head = el("div", { class: "scores-head" }, el("strong", { text: "Scores" }),
    el("span", { class: "hint", text: job.scores && job.scores.size ? ` lower is better · at ${job.scores.size} px` : " lower is better" }));
  if (!job.scores) return el("div", { class: "scores" }, head, el("p", { class: "hint", text: "Scoring in the background…" }));
  if (job.scores.error) return el("div", { class: "scores" }, head, el("p", { class: "hint", text: job.scores.error }));
  return el("div", { class: "scores" }, head, el("dl", {}, ...Object.entries(job.scores.scores).map(([k, v]) =>
    el("div", { title: SCORES[k] || k, "data-score": k }, el("dt", { text: k.replace("_", " ") }), el("dd", { text: num(v) })))));
}

// Ask again until the job has scores (or give up after about two minutes).
export async function pollScores(id, onScores, tries = 60) {
  for (let i = 0; i < tries; i++) {
    await new Promise((r) => setTimeout(r, 2000));
    const job = await api(`/api/jobs/${id}`).catch(() => null);
    if (!job || job.status !== "done") return;
    if (job.scores) { onScores(job); return; }
  }
}
