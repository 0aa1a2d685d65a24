// Drop a result written by brushwork (CLI or studio) to load the settings it carries into the form.
import { $, api, toast } from "./util.js";

export function wireRecipeDrop(composer) {
  const zone = $("recipe-drop"), input = $("recipe-input");
  const load = async (file) => {
    if (!file) return;
    const data = new FormData();
    data.append("file", file, file.name);
    try {
      const answer = await api("/api/metadata", { method: "POST", body: data });
      $("preset").value = "brushwork";
      composer.setValues(answer.settings);
      const r = answer.record;
      toast(`Settings loaded from ${answer.name} (brushwork ${r.brushwork}, ${r.backbone}, seed ${r.seed}).`);
    } catch (e) {
      toast(e.message, "error");
    }
  };
  input.addEventListener("change", () => { load(input.files[0]); input.value = ""; });
  zone.addEventListener("dragover", (e) => { e.preventDefault(); zone.classList.add("over"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (e) => { e.preventDefault(); zone.classList.remove("over"); load(e.dataTransfer.files[0]); });
}
