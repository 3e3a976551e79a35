// The reader's one piece of front-end behaviour (an anywidget module, the same in JupyterLab and Voilà).
// It reports keys and marker choices to the kernel and moves focus where the kernel asks. It never builds markup,
// never evaluates anything it reads from the page: a marker's data-marker is sent as a plain string, which the
// kernel checks against the paragraph's own markers. Selectors and labels below are constants.
const REGIONS = {
  text: ".reader-paragraph",
  side: ".reader-side-focus",
  chosen: ".reader-side .reader-chosen",
  excerpt: ".reader-excerpt",
  claim: ".reader-claims .reader-claim-card",
  card: ".reader-entity-cards .reader-card",
  event: ".reader-chronology .reader-card",
};
const LANDMARKS = [
  [".reader-nav", "navigation", "Paragraphs"],
  [".reader-layers", "group", "Layers and reader settings"],
  [".reader-text-column", "main", "Text"],
  [".reader-side", "complementary", "Apparatus"],
];
const KEYS = { ArrowRight: "next", ArrowLeft: "previous", PageDown: "next", PageUp: "previous" };

function isTyping(target) {
  const tag = target.tagName;
  return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable ||
    (target.getAttribute && target.getAttribute("role") === "tab");
}

function render({ model, el }) {
  el.classList.add("reader-bridge");
  const root = () => el.closest(".reader-app, .reader-paragraph-reader");

  const label = () => {
    const app = root();
    if (!app) return;
    const hasOtherMain = Array.from(document.querySelectorAll("main, [role=main]")).some(
      (node) => !app.contains(node));
    for (const [selector, role, name] of LANDMARKS) {
      const region = app.querySelector(selector);
      if (region && !region.hasAttribute("role")) {
        region.setAttribute("role", role === "main" && hasOtherMain ? "region" : role);
        region.setAttribute("aria-label", name);
      }
    }
    const text = app.querySelector(".reader-paragraph");
    if (text && !text.hasAttribute("tabindex")) text.setAttribute("tabindex", "-1");
    // The jump menu shows the first words of each paragraph; its options' accessible names are the whole text
    // (set as attribute values, never as markup).
    const names = model.get("jump_names") || [];
    const options = app.querySelectorAll(".reader-jump select option");
    options.forEach((option, index) => {
      const name = names[index];
      if (typeof name === "string" && option.getAttribute("aria-label") !== name) {
        option.setAttribute("aria-label", name);
      }
    });
  };
  const observer = new MutationObserver(label);
  const start = () => {
    const app = root();
    if (!app) return requestAnimationFrame(start);
    label();
    observer.observe(app, { childList: true, subtree: true });
    // In JupyterLab, "Run All" scrolls to the last cell while the reader is being drawn above it: bring the reader
    // into view once, when it first appears.
    if (app.classList.contains("reader-app") && app.closest(".jp-NotebookPanel")) {
      requestAnimationFrame(() => app.scrollIntoView({ block: "start" }));
    }
  };
  start();

  const onKey = (event) => {
    const app = root();
    const page = KEYS[event.key];
    if (!app || !page || event.altKey || event.ctrlKey || event.metaKey) return;
    const inside = app.contains(event.target);
    const projector = app.classList.contains("reader-projector") && event.target === document.body;
    if ((!inside && !projector) || isTyping(event.target)) return;
    event.preventDefault();
    model.send({ page });
  };
  const onClick = (event) => {
    const app = root();
    const marker = event.target.closest && event.target.closest("button.reader-marker");
    if (!app || !marker || !app.contains(marker)) return;
    event.preventDefault();
    model.send({ marker: String(marker.getAttribute("data-marker") || "") });
  };
  const onMessage = (message) => {
    const app = root();
    const selector = app && REGIONS[message && message.focus];
    if (!selector) return;
    // the kernel's other messages of this change are applied first; then the target is found and shown
    requestAnimationFrame(() => requestAnimationFrame(() => {
      const target = app.querySelector(selector);
      if (!target) return;
      if (!target.matches("button, input, select, textarea, a[href]") && !target.hasAttribute("tabindex")) {
        target.setAttribute("tabindex", "-1");
      }
      target.scrollIntoView({ block: "nearest" });
      target.focus({ preventScroll: true });
    }));
  };
  document.addEventListener("keydown", onKey);
  document.addEventListener("click", onClick);
  model.on("msg:custom", onMessage);
  model.on("change:jump_names", label);
  return () => {
    model.off("change:jump_names", label);
    observer.disconnect();
    document.removeEventListener("keydown", onKey);
    document.removeEventListener("click", onClick);
    model.off("msg:custom", onMessage);
  };
}

export default { render };
