// Wires the studio together: the form submits jobs, the run panel follows one, the gallery lists all.
import { Composer } from "./form.js";
import { Gallery } from "./history.js";
import { Inside } from "./inspect.js";
import { RunView } from "./run.js";
import { CompareView } from "./compare.js";
import { wireRecipeDrop } from "./recipe.js";
import { api, fileFrom, toast } from "./util.js";

// Bring the run panel into view when it is off screen (narrow layouts, or opened from the history).
function reveal() {
  const top = document.getElementById("run").getBoundingClientRect().top;
  if (top < 0 || top > window.innerHeight / 2) document.getElementById("run").scrollIntoView({ behavior: "smooth", block: "start" });
}

async function start() {
  let schema;
  try {
    schema = await api("/api/settings");
  } catch (e) {
    toast(`Could not load the settings: ${e.message}`, "error", 60000);
    return;
  }
  const open = async (id) => {
    try {
      await run.open(id);
      gallery.highlight(run.job.id);
    } catch (e) {
      toast(e.message, "error");
    }
  };
  const rerun = async (job) => {
    try {
      const fresh = await api(`/api/jobs/${job.id}/rerun`, { method: "POST" });
      toast("Queued again with the same images and settings.");
      await open(fresh);
      reveal();
      gallery.refresh();
    } catch (e) {
      toast(e.message, "error");
    }
  };
  const composer = new Composer(schema, async (data) => {
    const job = await api("/api/jobs", { method: "POST", body: data });
    await open(job);
    reveal();
    gallery.refresh();
  });
  const run = new RunView({
    onChange: () => gallery.refresh(),
    onUseContent: async (job) => {
      composer.setContent(await fileFrom(job.links.result, `brushwork-${job.id}.png`));
      toast("The result is now the content image.");
      document.getElementById("compose").scrollIntoView({ behavior: "smooth" });
    },
    onLoadSettings: async (job) => {
      await composer.loadJob(job);
      toast("Settings and images loaded into the form.");
    },
    onRerun: rerun,
  });
  wireRecipeDrop(composer);
  const compare = new CompareView();
  const gallery = new Gallery({ onOpen: (id) => open(id).then(reveal), onRerun: rerun, onCompare: (ids) => compare.open(ids) });
  await gallery.refresh();
  new Inside({ composer, gallery });
  const live = gallery.jobs.find((j) => j.status === "running") || gallery.jobs[0];
  if (live) open(live.id);
}

start();
