// The "New painting" form: image slots and one control per Settings field, built from the
// schema the server sends (GET /api/settings), so it always matches the Python settings.
import { $, el, fileFrom, megabytes, CROSS } from "./util.js";

const QUICK = ["size", "iterations", "style_weight", "preserve_color"];
const asText = (v) => (v === null || v === undefined ? "" : Array.isArray(v) ? v.join(",") : String(v));
const title = (name) => name.replace(/_/g, " ");

export class Composer {
  constructor(schema, onSubmit) {
    this.schema = schema;
    this.limits = schema.limits;
    this.controls = {};
    this.content = null;
    this.styles = [];
    this.init = null;
    this.onSubmit = onSubmit;
    this.buildPresets();
    this.buildFields();
    this.wireImages();
    $("reset-settings").addEventListener("click", () => this.applyPreset());
    $("compose").addEventListener("submit", (e) => { e.preventDefault(); this.submit(); });
    this.applyPreset();
  }

  // --- presets and fields -----------------------------------------------------------
  buildPresets() {
    const select = $("preset");
    for (const name of Object.keys(this.schema.presets)) select.append(el("option", { value: name, text: name }));
    select.addEventListener("change", () => this.applyPreset());
  }

  get preset() { return $("preset").value; }

  applyPreset() {
    const changes = this.schema.preset_overrides[this.preset] || {};
    const keys = Object.keys(changes);
    $("preset-note").textContent = keys.length
      ? `Changes ${keys.length} settings: ${keys.slice(0, 6).join(", ")}${keys.length > 6 ? ", …" : ""}.`
      : "The brushwork defaults: EfficientNet-Lite1, works offline.";
    this.setValues(this.schema.presets[this.preset]);
  }

  setValues(values) {
    for (const [name, c] of Object.entries(this.controls)) {
      if (c.input.type !== "file") c.input.value = asText(values[name]);
    }
    this.refresh();
  }

  buildFields() {
    const groups = {};
    for (const g of this.schema.groups) {
      const box = el("div", { class: "fields" });
      const changed = el("span", { class: "changed" });
      groups[g] = { box, changed, node: el("details", { class: "group" }, el("summary", {}, `${g[0].toUpperCase()}${g.slice(1)} settings`, changed), box) };
      $("groups").append(groups[g].node);
    }
    const quick = {};
    for (const f of this.schema.fields) {
      const row = this.fieldRow(f);
      if (QUICK.includes(f.name)) quick[f.name] = row;
      else groups[f.group].box.append(row);
    }
    $("quick").append(...QUICK.filter((n) => quick[n]).map((n) => quick[n]));
    this.groups = groups;
  }

  fieldRow(f) {
    const id = `f-${f.name}`;
    const input = this.fieldInput(f, id);
    const reset = el("button", { type: "button", class: "reset", title: "back to the preset's value", text: "reset",
      onclick: () => { input.value = asText(this.schema.presets[this.preset][f.name]); this.refresh(); } });
    const note = f.note ? ` (${f.note})` : f.name === "style_blend" ? " Set with the slider beside each style image." : "";
    const help = el("p", { class: "help" }, f.help + note, " ",
      el("span", { class: "default", text: `default: ${asText(f.default) || "none"}` }));
    const row = el("div", { class: "field", "data-field": f.name },
      el("label", { for: id }, el("span", { class: "name", text: title(f.name) }), reset), input, help);
    this.controls[f.name] = { f, input, row };
    input.addEventListener(input.tagName === "SELECT" ? "change" : "input", () => this.refresh());
    return row;
  }

  fieldInput(f, id) {
    if (f.name === "init_image") return el("input", { id, type: "file", accept: "image/*", onchange: (e) => { this.init = e.target.files[0] || null; } });
    if (f.choices) {
      return el("select", { id, name: f.name }, ...(f.nullable ? [el("option", { value: "", text: "(default)" })] : []),
        ...f.choices.map((c) => el("option", { value: c, text: c })));
    }
    const number = f.type === "int" || f.type === "float";
    return el("input", { id, name: f.name, type: number ? "number" : "text", step: f.type === "int" ? "1" : "any",
      placeholder: f.nullable ? "(default)" : "", disabled: f.server_only, readonly: f.name === "style_blend",
      autocomplete: "off", spellcheck: "false" });
  }

  // Which fields differ from the preset; shows the dots and per-group counts.
  refresh() {
    const base = this.schema.presets[this.preset];
    const counts = {};
    for (const [name, c] of Object.entries(this.controls)) {
      const modified = c.input.type !== "file" && !c.f.server_only && name !== "style_blend" &&
        c.input.value.trim() !== asText(base[name]);
      c.row.classList.toggle("modified", modified);
      if (modified) counts[c.f.group] = (counts[c.f.group] || 0) + 1;
    }
    for (const [g, box] of Object.entries(this.groups)) box.changed.textContent = counts[g] ? `${counts[g]} changed` : "";
    this.controls.init_image.input.disabled = this.controls.init.input.value !== "file";
    this.controls.style_blend.input.value = this.blendText();
  }

  overrides() {
    const out = {};
    for (const [name, c] of Object.entries(this.controls)) {
      if (c.row.classList.contains("modified")) out[name] = c.input.value.trim();
    }
    const blend = this.blendText();
    if (blend) out.style_blend = blend;
    return out;
  }

  blendText() {
    const w = this.styles.map((s) => s.weight);
    return w.length > 1 && w.some((v) => v !== w[0]) ? w.join(",") : "";
  }

  // --- images -------------------------------------------------------------------------
  wireImages() {
    this.dropZone($("content-drop"), $("content-input"), (files) => this.setContent(files[0]));
    this.dropZone($("style-drop"), $("style-input"), (files) => files.forEach((f) => this.addStyle(f)));
  }

  dropZone(zone, input, take) {
    const accept = (files) => { const ok = [...files].filter((f) => this.checkFile(f)); if (ok.length) take(ok); };
    input.addEventListener("change", () => { accept(input.files); input.value = ""; });
    zone.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); input.click(); } });
    zone.addEventListener("dragover", (e) => { e.preventDefault(); zone.classList.add("over"); });
    zone.addEventListener("dragleave", () => zone.classList.remove("over"));
    zone.addEventListener("drop", (e) => { e.preventDefault(); zone.classList.remove("over"); accept(e.dataTransfer.files); });
  }

  checkFile(file) {
    if (file.size > this.limits.max_upload_bytes) {
      this.error(`${file.name} is ${megabytes(file.size)}; the limit is ${megabytes(this.limits.max_upload_bytes)} for one job's images together`);
      return false;
    }
    this.error("");
    return true;
  }

  setContent(file) {
    this.content = file;
    const thumb = $("content-thumb");
    thumb.src = URL.createObjectURL(file);
    thumb.hidden = false;
    thumb.onerror = () => { thumb.hidden = true; $("content-name").textContent = `${file.name} (no preview)`; };
    $("content-drop").classList.add("filled");
    $("content-name").textContent = file.name;
  }

  addStyle(file, weight = 1) {
    if (this.styles.length >= this.limits.max_styles) {
      this.error(`at most ${this.limits.max_styles} style images`);
      return;
    }
    this.styles.push({ file, weight, url: URL.createObjectURL(file) });
    this.renderStyles();
  }

  renderStyles() {
    const total = this.styles.reduce((a, s) => a + s.weight, 0) || 1;
    $("style-list").replaceChildren(...this.styles.map((s, i) => {
      const share = el("span", { class: "share", text: `${Math.round((100 * s.weight) / total)}%` });
      const range = el("input", { type: "range", min: "0", max: "1", step: "0.05", value: String(s.weight),
        "aria-label": `blend weight of ${s.file.name}`,
        oninput: (e) => { s.weight = Number(e.target.value); this.renderShares(); this.refresh(); } });
      return el("li", { class: "style-item" }, el("img", { src: s.url, alt: "" }),
        el("div", {}, el("div", { class: "name", text: s.file.name, title: s.file.name }),
          this.styles.length > 1 ? el("div", { class: "weight" }, range, share) : el("div", { class: "hint", text: "weight 100%" })),
        el("button", { type: "button", class: "icon-btn", title: "remove", "aria-label": `remove ${s.file.name}`, html: CROSS,
          onclick: () => { this.styles.splice(i, 1); this.renderStyles(); } }));
    }));
    this.refresh();
  }

  renderShares() {
    const total = this.styles.reduce((a, s) => a + s.weight, 0) || 1;
    document.querySelectorAll("#style-list .share").forEach((node, i) => {
      node.textContent = `${Math.round((100 * this.styles[i].weight) / total)}%`;
    });
  }

  // Fill the form from a past job: its preset, settings and images.
  async loadJob(job, { images = true } = {}) {
    $("preset").value = job.preset in this.schema.presets ? job.preset : "brushwork";
    this.setValues(job.settings);
    if (!images) return;
    const names = job.names || {};
    this.setContent(await fileFrom(job.links.content, names.content || "content.png"));
    const blend = job.settings.style_blend || [];
    this.styles = [];
    for (const [i, url] of job.links.styles.entries()) {
      this.styles.push({ file: await fileFrom(url, names[`style-${i}`] || `style-${i}.png`), weight: blend[i] ?? 1, url });
    }
    this.renderStyles();
  }

  // --- submit -------------------------------------------------------------------------
  error(message) {
    $("form-error").textContent = message;
    $("form-error").hidden = !message;
  }

  formData() {
    if (!this.content) throw new Error("choose a content image (the photo to repaint)");
    if (!this.styles.length) throw new Error("add at least one style image");
    const files = [this.content, ...this.styles.map((s) => s.file), ...(this.init ? [this.init] : [])];
    const bytes = files.reduce((a, f) => a + f.size, 0);
    if (bytes > this.limits.max_upload_bytes) {
      throw new Error(`the images come to ${megabytes(bytes)}; the limit is ${megabytes(this.limits.max_upload_bytes)} for one job's images together`);
    }
    const data = new FormData();
    data.append("content", this.content, this.content.name);
    for (const s of this.styles) data.append("styles", s.file, s.file.name);
    data.append("preset", this.preset);
    data.append("settings", JSON.stringify(this.overrides()));
    if (this.init && this.controls.init.input.value === "file") data.append("init", this.init, this.init.name);
    return data;
  }

  async submit() {
    const button = $("start");
    try {
      const data = this.formData();
      button.disabled = true;
      this.error("");
      await this.onSubmit(data);
    } catch (e) {
      this.error(e.message);
    } finally {
      button.disabled = false;
    }
  }
}
